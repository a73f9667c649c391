/*
 * cmd.h: the sub-commands, `imaged [options] NAME [args]`.
 *
 * Each command is one function in a file of its own (src/cmd_NAME.c) and
 * one row of the command table in main.c, which generates the usage, the
 * list in --help and the dispatch.  A command runs once the settings are
 * loaded (cfg), with argv[0] its own name; it prints results on stdout,
 * errors on stderr, and returns the exit status: 0 done, 1 failed, 2 a
 * usage error.
 */
#ifndef IMAGED_CMD_H
#define IMAGED_CMD_H

#include <stdio.h>

#include "imaged/config.h"

typedef int	 cmd_fn(const struct config *cfg, int argc, char *argv[]);

/* `imaged check [--repair]`: 0 only when the store is clean (or mended). */
cmd_fn		 cmd_check;
/* `imaged token add USER [--admin] | list | revoke ID`. */
cmd_fn		 cmd_token;
/* `imaged export [--json] DIR`: everything, in S3's and DynamoDB's formats. */
cmd_fn		 cmd_export;
/*
 * `imaged import [--json] [--items FILE] SRC | --adopt`: 1 if items
 * were skipped.
 */
cmd_fn		 cmd_import;
/* `imaged backup [--json] DEST`: an online, consistent, incremental copy. */
cmd_fn		 cmd_backup;

/*
 * cmd_token on the tokens file at path, printing to out and err instead
 * of stdout and stderr (argv[0] is "token").  For tests.
 */
int		 cmd_token_file(const char *path, int argc, char *const argv[],
		    FILE *out, FILE *err);

#endif
