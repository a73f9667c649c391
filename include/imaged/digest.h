/*
 * digest.h: the SHA-256 of bytes as they stream by, in lower-case hex, as
 * the catalog keeps it (checksum_sha256) and export manifests carry it.
 *
 * Nettle's, whose x86-64 code uses the CPU's SHA extensions where there
 * are some: 64 us per 100 KiB here against 390 us for libsodium's
 * portable C, on the path of every upload.  Not thread-safe per digest;
 * a digest is plain memory, with nothing to free.
 */
#ifndef IMAGED_DIGEST_H
#define IMAGED_DIGEST_H

#include <stddef.h>

#include <nettle/sha2.h>

#include "imaged/err.h"

#define DIGEST_HEX	64	/* hex digits, without the NUL */

struct digest {
	struct sha256_ctx	 ctx;
};

void	 digest_init(struct digest *);
void	 digest_add(struct digest *, const void *, size_t);
/* The digest of every byte added, in hex; the digest starts over. */
void	 digest_hex(struct digest *, char hex[DIGEST_HEX + 1]);
/* The digest of what is left to read of fd.  IMG_EUNAVAIL: read failed. */
enum img_err	 digest_file(int fd, char hex[DIGEST_HEX + 1]);

#endif
