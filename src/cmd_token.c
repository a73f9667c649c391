/*
 * cmd_token.c: `imaged token add USER [--admin] | list | revoke ID`.
 *
 * The command's words and what it prints; the tokens file itself (its
 * format, lock and rewrite) belongs to the token store, tokens.c.  A new
 * token is printed once, on stdout alone, so that it can be piped into
 * whatever keeps it; everything said about it goes to stderr.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imaged/blobstore.h"
#include "imaged/cmd.h"
#include "imaged/log.h"
#include "imaged/tokens.h"
#include "imaged/validate.h"

#define EXIT_FAIL	1
#define EXIT_USAGE	2

static int
usage(FILE *err)
{
	fprintf(err, "usage: imaged token add USER [--admin] | list | "
	    "revoke ID\n");
	return EXIT_USAGE;
}

static int
failed(FILE *err, const char *msg)
{
	fprintf(err, "imaged token: %s\n", msg);
	return EXIT_FAIL;
}

static int
token_add(const char *path, int argc, char *const argv[], FILE *out,
    FILE *err)
{
	struct token_info	 info;
	const char		*user = NULL;
	char			 token[TOKENS_TOKEN_LEN + 1], msg[512];
	bool			 admin = false;
	int			 k;

	/* --admin may come before or after USER. */
	for (k = 2; k < argc; k++) {
		if (strcmp(argv[k], "--admin") == 0 && !admin)
			admin = true;
		else if (user == NULL && argv[k][0] != '-')
			user = argv[k];
		else
			return usage(err);
	}
	if (user == NULL) {
		if (!admin)
			return usage(err);
		user = "admin";	/* an admin token needs no user */
	}
	if (!valid_user_id(user, strlen(user), msg, sizeof(msg))) {
		fprintf(err, "imaged token: %s\n", msg);
		return usage(err);
	}
	if (tokens_file_add(path, user, admin, token, &info, msg,
	    sizeof(msg)) != IMG_OK)
		return failed(err, msg);
	/* Only once the file holds it: a token not kept is of no use. */
	fprintf(out, "%s\n", token);
	explicit_bzero(token, sizeof(token));
	fprintf(err, "%s token for %s (id %s): store it now, it is not "
	    "shown again\n", admin ? "admin" : "user", user, info.id);
	return fflush(out) == 0 ? EXIT_SUCCESS : EXIT_FAIL;
}

static void
print_token(void *arg, const struct token_info *t)
{
	FILE		*out = arg;
	struct tm	 tm;
	time_t		 when = (time_t)t->created;
	char		 created[32];

	if (gmtime_r(&when, &tm) == NULL ||
	    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(created, sizeof(created), "%" PRId64, t->created);
	fprintf(out, "%s %s %s %s\n", t->id, t->user_id,
	    t->admin ? "admin" : "user", created);
}

static int
token_list(const char *path, int argc, FILE *out, FILE *err)
{
	char	 msg[512];

	if (argc != 2)
		return usage(err);
	if (tokens_file_list(path, print_token, out, msg, sizeof(msg)) !=
	    IMG_OK)
		return failed(err, msg);
	return fflush(out) == 0 ? EXIT_SUCCESS : EXIT_FAIL;
}

static int
token_revoke(const char *path, int argc, char *const argv[], FILE *err)
{
	struct token_info	 gone;
	char			 id[TOKENS_ID_LEN + 1], msg[512];
	size_t			 i;

	if (argc != 3)
		return usage(err);
	if (strlen(argv[2]) != TOKENS_ID_LEN) {
		fprintf(err, "imaged token: ID is the 8 hex digits shown by "
		    "imaged token list\n");
		return usage(err);
	}
	/* Ids are written in lower case; accept them typed in upper. */
	for (i = 0; i < TOKENS_ID_LEN; i++) {
		char c = argv[2][i];

		id[i] = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f'))) {
			fprintf(err, "imaged token: ID is the 8 hex digits "
			    "shown by imaged token list\n");
			return usage(err);
		}
	}
	id[TOKENS_ID_LEN] = '\0';
	if (tokens_file_revoke(path, id, &gone, msg, sizeof(msg)) != IMG_OK)
		return failed(err, msg);
	fprintf(err, "revoked token %s (%s %s)\n", id,
	    gone.admin ? "admin" : "user", gone.user_id);
	return EXIT_SUCCESS;
}

int
cmd_token_file(const char *path, int argc, char *const argv[], FILE *out,
    FILE *err)
{
	if (argc < 2 || strcmp(argv[0], "token") != 0)
		return usage(err);
	if (strcmp(argv[1], "add") == 0)
		return token_add(path, argc, argv, out, err);
	if (strcmp(argv[1], "list") == 0)
		return token_list(path, argc, out, err);
	if (strcmp(argv[1], "revoke") == 0)
		return token_revoke(path, argc, argv, err);
	return usage(err);
}

int
cmd_token(const struct config *cfg, int argc, char *argv[])
{
	char	 path[PATH_MAX + 16];

	if (mkdir(cfg->data_dir, blob_dir_mode(cfg->file_mode)) == -1 &&
	    errno != EEXIST) {
		log_warn("%s", cfg->data_dir);
		return EXIT_FAILURE;
	}
	snprintf(path, sizeof(path), "%s/%s", cfg->data_dir, TOKENS_FILE);
	return cmd_token_file(path, argc, argv, stdout, stderr);
}
