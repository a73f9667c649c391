/*
 * digest.c: SHA-256 in hex (see digest.h).
 */
#include <unistd.h>

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

enum img_err
digest_file(int fd, char hex[DIGEST_HEX + 1])
{
	struct digest	 d;
	unsigned char	 buf[64 * 1024];
	ssize_t		 n;

	digest_init(&d);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		digest_add(&d, buf, (size_t)n);
	if (n < 0)
		return IMG_EUNAVAIL;
	digest_hex(&d, hex);
	return IMG_OK;
}
