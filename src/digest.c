/*
 * digest.c: SHA-256 in hex (see digest.h).
 */
#include "imaged/digest.h"

void
digest_init(struct digest *d)
{
	sha256_init(&d->ctx);
}

void
digest_add(struct digest *d, const void *p, size_t n)
{
	sha256_update(&d->ctx, n, p);
}

void
digest_hex(struct digest *d, char hex[DIGEST_HEX + 1])
{
	static const char	 digits[] = "0123456789abcdef";
	unsigned char		 bin[SHA256_DIGEST_SIZE];
	size_t			 i;

	sha256_digest(&d->ctx, sizeof(bin), bin);	/* and resets */
	for (i = 0; i < sizeof(bin); i++) {
		hex[2 * i] = digits[bin[i] >> 4];
		hex[2 * i + 1] = digits[bin[i] & 0xf];
	}
	hex[DIGEST_HEX] = '\0';
}
