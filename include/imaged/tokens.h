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
#include <stdint.h>

#include "imaged/err.h"
#include "imaged/image.h"
#include "imaged/principal.h"

#define TOKENS_FILE	"tokens"
#define TOKENS_ID_LEN	8	/* hex digits: a token's id in the file */
#define TOKENS_TOKEN_LEN 47	/* "imt_" and 43 base64url characters */

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

/* --- editing the file, for `imaged token` --------------------------------
 *
 * Each call reads the file at path whole; add and revoke hold the lock of
 * its folder while they rewrite it (durably, mode 0600), so two commands at
 * once do not lose each other's change.  On failure msg says why, in words
 * for the person at the terminal (it may name path), and the file is as it
 * was.  Errors: IMG_EUNAVAIL (unreadable, malformed or unwritable),
 * IMG_ENOMEM, IMG_EINTERNAL (libsodium did not start), and for revoke
 * IMG_ENOTFOUND (no such id).
 */

/* One token as the file keeps it: never the token itself. */
struct token_info {
	char		 id[TOKENS_ID_LEN + 1];	/* lower-case hex */
	char		 user_id[USER_ID_MAX + 1];
	bool		 admin;
	int64_t		 created;		/* Unix time of the add */
};

/*
 * Add a new token for user (an admin token if admin).  token gets its
 * text, which is kept nowhere else: the file holds only its hash.  info
 * gets what the file now says of it.
 */
enum img_err	 tokens_file_add(const char *path, const char *user,
		    bool admin, char token[TOKENS_TOKEN_LEN + 1],
		    struct token_info *info, char *msg, size_t msglen);
/* Call each(arg, t) for every token in the file, in file order. */
enum img_err	 tokens_file_list(const char *path,
		    void (*each)(void *arg, const struct token_info *),
		    void *arg, char *msg, size_t msglen);
/* Remove the token with id (lower-case hex); revoked gets what it was. */
enum img_err	 tokens_file_revoke(const char *path, const char *id,
		    struct token_info *revoked, char *msg, size_t msglen);

#endif
