/*
 * b64.c: standard base64 (RFC 4648 section 4), decoded as a stream.
 *
 * Decoding is table-driven: one 256-entry table maps a byte to its sextet
 * (0..63) or to a class (whitespace, padding, invalid) whose value has one
 * of the two top bits set, so four bytes are checked with one OR.  Runs of
 * plain alphabet are decoded four characters at a time; anything else
 * (whitespace, padding, a quantum split across calls) takes the per-byte
 * path, which keeps the state in struct b64_decoder:
 *
 *	acc	the sextets of the unfinished quantum, nacc of them (0..3)
 *	npad	'=' seen; once non-zero only whitespace and '=' may follow
 *	bad	sticky failure
 *
 * Invariant: a complete quantum is written out at once, so acc holds at
 * most three sextets, and padding is only ever accepted after two or three.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imaged/b64.h"

#define B64_WS		0x40
#define B64_PAD		0x41
#define B64_BAD		0xff
#define B64_CLASS	0xc0		/* either bit: not a sextet */

/* ASCII whitespace as WHATWG and RFC 4648 section 3.3 readers mean it. */
#define B64_ISWS(c)							\
	((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r' ||	\
	 (c) == '\f')
#define B64_VAL(c)							\
	((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' :				\
	 (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 :			\
	 (c) >= '0' && (c) <= '9' ? (c) - '0' + 52 :			\
	 (c) == '+' ? 62 : (c) == '/' ? 63 :				\
	 (c) == '=' ? B64_PAD : B64_ISWS(c) ? B64_WS : B64_BAD)
#define B64_R4(c)	B64_VAL(c), B64_VAL((c) + 1), B64_VAL((c) + 2), \
			B64_VAL((c) + 3)
#define B64_R16(c)	B64_R4(c), B64_R4((c) + 4), B64_R4((c) + 8),	\
			B64_R4((c) + 12)
#define B64_R64(c)	B64_R16(c), B64_R16((c) + 16), B64_R16((c) + 32), \
			B64_R16((c) + 48)

/* Built at compile time, so there is no first-use race between threads. */
static const unsigned char b64_dtab[256] = {
	B64_R64(0), B64_R64(64), B64_R64(128), B64_R64(192)
};

static const char b64_etab[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
b64_decoder_init(struct b64_decoder *d)
{
	d->acc = 0;
	d->nacc = 0;
	d->npad = 0;
	d->bad = false;
}

size_t
b64_decoded_max(size_t n)
{
	/* Up to three sextets may wait from earlier calls: one more quantum. */
	return (n / 4 + 1) * 3;
}

/* Decode whole quanta of plain alphabet; stop at the first other byte. */
static size_t
b64_decode_fast(const unsigned char *s, size_t n, unsigned char *o)
{
	size_t		 i = 0, k = 0;
	uint32_t	 a, b, c, e, v;

	while (n - i >= 8) {
		uint32_t	 a2, b2, c2, e2;

		a = b64_dtab[s[i]];
		b = b64_dtab[s[i + 1]];
		c = b64_dtab[s[i + 2]];
		e = b64_dtab[s[i + 3]];
		a2 = b64_dtab[s[i + 4]];
		b2 = b64_dtab[s[i + 5]];
		c2 = b64_dtab[s[i + 6]];
		e2 = b64_dtab[s[i + 7]];
		if ((a | b | c | e | a2 | b2 | c2 | e2) & B64_CLASS)
			break;
		v = a << 18 | b << 12 | c << 6 | e;
		o[k] = (unsigned char)(v >> 16);
		o[k + 1] = (unsigned char)(v >> 8);
		o[k + 2] = (unsigned char)v;
		v = a2 << 18 | b2 << 12 | c2 << 6 | e2;
		o[k + 3] = (unsigned char)(v >> 16);
		o[k + 4] = (unsigned char)(v >> 8);
		o[k + 5] = (unsigned char)v;
		i += 8;
		k += 6;
	}
	while (n - i >= 4) {
		a = b64_dtab[s[i]];
		b = b64_dtab[s[i + 1]];
		c = b64_dtab[s[i + 2]];
		e = b64_dtab[s[i + 3]];
		if ((a | b | c | e) & B64_CLASS)
			break;
		v = a << 18 | b << 12 | c << 6 | e;
		o[k] = (unsigned char)(v >> 16);
		o[k + 1] = (unsigned char)(v >> 8);
		o[k + 2] = (unsigned char)v;
		i += 4;
		k += 3;
	}
	return i;
}

bool
b64_decode(struct b64_decoder *d, const char *in, size_t n,
    unsigned char *out, size_t *outlen)
{
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 i = 0, k = 0, used;
	unsigned		 v;

	*outlen = 0;
	if (d->bad)
		return false;
	while (i < n) {
		if (d->nacc == 0 && d->npad == 0 && n - i >= 4) {
			used = b64_decode_fast(s + i, n - i, out + k);
			i += used;
			k += used / 4 * 3;
			if (i == n)
				break;
		}
		v = b64_dtab[s[i++]];
		if (v < 64) {
			if (d->npad > 0)
				goto bad;
			d->acc = d->acc << 6 | v;
			if (++d->nacc == 4) {
				out[k++] = (unsigned char)(d->acc >> 16);
				out[k++] = (unsigned char)(d->acc >> 8);
				out[k++] = (unsigned char)d->acc;
				d->acc = 0;
				d->nacc = 0;
			}
		} else if (v == B64_PAD) {
			/* "=" only ends a quantum that already holds a byte. */
			if (d->nacc < 2 || d->nacc + d->npad >= 4)
				goto bad;
			d->npad++;
		} else if (v != B64_WS)
			goto bad;
	}
	*outlen = k;
	return true;
bad:
	d->bad = true;
	*outlen = k;
	return false;
}

bool
b64_decode_end(struct b64_decoder *d, unsigned char *out, size_t *outlen)
{
	*outlen = 0;
	if (d->bad)
		return false;
	switch (d->nacc) {
	case 0:
		break;
	case 2:
		out[0] = (unsigned char)(d->acc >> 4);
		*outlen = 1;
		break;
	case 3:
		out[0] = (unsigned char)(d->acc >> 10);
		out[1] = (unsigned char)(d->acc >> 2);
		*outlen = 2;
		break;
	default:
		/* One lone sextet holds no whole byte. */
		d->bad = true;
		return false;
	}
	d->acc = 0;
	d->nacc = 0;
	d->npad = 0;
	return true;
}

size_t
b64_encoded_len(size_t n)
{
	return n / 3 * 4 + (n % 3 != 0 ? 4 : 0);
}

void
b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t		 i = 0, k = 0;
	uint32_t	 v;

	while (n - i >= 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[k] = b64_etab[v >> 18];
		out[k + 1] = b64_etab[v >> 12 & 63];
		out[k + 2] = b64_etab[v >> 6 & 63];
		out[k + 3] = b64_etab[v & 63];
		i += 3;
		k += 4;
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[k] = b64_etab[v >> 18];
		out[k + 1] = b64_etab[v >> 12 & 63];
		out[k + 2] = '=';
		out[k + 3] = '=';
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[k] = b64_etab[v >> 18];
		out[k + 1] = b64_etab[v >> 12 & 63];
		out[k + 2] = b64_etab[v >> 6 & 63];
		out[k + 3] = '=';
	}
}
