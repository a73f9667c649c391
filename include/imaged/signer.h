/*
 * signer.h: the daemon's secret key and what it authenticates: signed
 * download URLs (in place of S3 presigned URLs) and listing cursors; plus
 * the random numbers imaged needs (image ids, request ids).
 *
 * The key is 32 random bytes in a file of mode 0600, made at first start.
 * It persists, so URLs and cursors stay valid across restarts.  URL
 * signatures and cursor MACs use keys derived from it for each purpose, so
 * a signature of one kind can never pass as the other.  The key is wiped
 * from memory on signer_free().  Every function is thread-safe.
 */
#ifndef IMAGED_SIGNER_H
#define IMAGED_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "imaged/err.h"
#include "imaged/image.h"

#define SIGNER_KEY_LEN	32
#define SIGNER_SIG_HEX	64	/* a URL signature: hex HMAC-SHA256 */
#define SIGNER_MAC_LEN	16	/* a cursor MAC: truncated HMAC-SHA256 */

struct signer;

/*
 * Load the key from path, or make it there (mode 0600, written and fsynced
 * before use) when the file does not exist.  previous, when not NULL, names
 * a retired key (which must exist) that still verifies URLs and cursors
 * but signs nothing.  A key file readable by others is used with a
 * warning.  Errors: IMG_EUNAVAIL (unreadable, wrong size, cannot be
 * created), IMG_ENOMEM.
 */
enum img_err	 signer_open(const char *path, const char *previous,
		    struct signer **);
/* A signer with the given key (tests, ephemeral use). */
enum img_err	 signer_new(const unsigned char key[SIGNER_KEY_LEN],
		    struct signer **);
/* Wipe the key and free; NULL is a no-op. */
void		 signer_free(struct signer *);

/*
 * Sign a download: sig gets the hex HMAC-SHA256 of "GET\n" path "\n"
 * expires, and a NUL.  path is the canonical, decoded "/blobs/<s3_key>".
 */
void		 signer_sign_url(const struct signer *, const char *path,
		    int64_t expires, char sig[SIGNER_SIG_HEX + 1]);
/*
 * Check a download's signature, in constant time, and then its expiry
 * against now: IMG_OK, IMG_EFORBIDDEN (missing, malformed or wrong
 * signature: checked first, so an altered expired URL is FORBIDDEN) or
 * IMG_EEXPIRED.  expires is the decimal text from the query (may be NULL).
 */
enum img_err	 signer_verify_url(const struct signer *, const char *path,
		    const char *expires, const char *sig, int64_t now);

/*
 * The same for a rendition of the download: the message also holds the
 * rendition's canonical name (rendparams.h), so the URL cannot be altered
 * into another size or into the original.  rendition NULL is a plain
 * download, exactly as above.
 */
void		 signer_sign_rendition_url(const struct signer *,
		    const char *path, const char *rendition, int64_t expires,
		    char sig[SIGNER_SIG_HEX + 1]);
enum img_err	 signer_verify_rendition_url(const struct signer *,
		    const char *path, const char *rendition,
		    const char *expires, const char *sig, int64_t now);

/* MAC data for a cursor. */
void		 signer_mac(const struct signer *, const void *data, size_t len,
		    unsigned char mac[SIGNER_MAC_LEN]);
/* Constant-time check of a cursor MAC: IMG_OK or IMG_EFORBIDDEN. */
enum img_err	 signer_mac_verify(const struct signer *, const void *data,
		    size_t len, const unsigned char mac[SIGNER_MAC_LEN]);

/* Fill buf with n unpredictable bytes. */
void		 random_bytes(void *buf, size_t n);
/* A random (version 4) UUID in canonical lower-case form, with a NUL. */
void		 random_uuid(char out[IMAGE_ID_SIZE]);

#endif
