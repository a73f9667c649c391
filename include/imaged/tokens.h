/*
 * tokens.h: API tokens for auth = token.
 *
 * A token is a random secret handed to one user (or an admin) once, by
 * `imaged token add`.  The tokens file (<data_dir>/tokens, mode 0600)
 * keeps only a hash of each, with its user and role, so a leaked file
 * gives no token away.  The daemon reloads the file when it changes, so
 * tokens added or revoked while it runs take effect at the next request.
 * Lookups compare hashes in constant time.  Thread-safe.
 */
#ifndef IMAGED_TOKENS_H
#define IMAGED_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "imaged/err.h"
#include "imaged/principal.h"

#define TOKENS_FILE	"tokens"

struct tokens;

/*
 * Open the tokens file at path (a missing file is an empty set: every
 * token is unknown).  Warns when the file is readable by others.
 * Errors: IMG_EUNAVAIL (unreadable or malformed: logged), IMG_ENOMEM.
 */
enum img_err	 tokens_open(const char *path, struct tokens **);
void		 tokens_close(struct tokens *);
/*
 * Who token (len bytes, as sent) belongs to.  False for an unknown or
 * revoked token.  Reloads the file first if it changed on disk.
 */
bool		 tokens_lookup(struct tokens *, const char *token, size_t len,
		    struct principal *);

/*
 * The `imaged token ...` command: argv[0] is "token", then "add USER
 * [--admin]", "list" or "revoke ID".  Works on the tokens file at path,
 * prints to out, errors to err.  Returns the exit status.
 */
int		 tokens_command(const char *path, int argc, char *const argv[],
		    FILE *out, FILE *err);

#endif
