/*
 * cursor.c: a cursor is the hex of
 *   version (1) | order (1) | created_at (8, big-endian) | image id (16) |
 *   MAC (16)
 * with the MAC over everything before it.
 */
#include <string.h>

#include "imaged/cursor.h"
#include "imaged/text.h"

#define CURSOR_VERSION	1
#define BODY_LEN	26
#define RAW_LEN		(BODY_LEN + SIGNER_MAC_LEN)

static const char hexdig[] = "0123456789abcdef";

/*
 * Lower case only, unlike hex_value(): a cursor is written in lower case,
 * and one whose case was changed is an altered cursor (imaged-api(7),
 * DECIDED EDGE CASES).
 */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The 16 bytes of a canonical UUID. */
static void
uuid_bytes(const char *id, unsigned char out[16])
{
	size_t	 i, o = 0;

	for (i = 0; id[i] != '\0' && o < 16; i++) {
		if (id[i] == '-')
			continue;
		out[o++] =
		    (unsigned char)(hexval(id[i]) << 4 | hexval(id[i + 1]));
		i++;
	}
}

void
cursor_seal(const struct signer *s, enum list_order order,
    const struct list_pos *pos, char out[CURSOR_TEXT_LEN + 1])
{
	unsigned char	 raw[RAW_LEN];
	uint64_t	 t = (uint64_t)pos->created_at;
	size_t		 i;

	raw[0] = CURSOR_VERSION;
	raw[1] = (unsigned char)order;
	for (i = 0; i < 8; i++)
		raw[2 + i] = (unsigned char)(t >> (56 - 8 * i));
	uuid_bytes(pos->image_id, raw + 10);
	signer_mac(s, raw, BODY_LEN, raw + BODY_LEN);
	for (i = 0; i < RAW_LEN; i++) {
		out[2 * i] = hexdig[raw[i] >> 4];
		out[2 * i + 1] = hexdig[raw[i] & 0xf];
	}
	out[CURSOR_TEXT_LEN] = '\0';
}

enum img_err
cursor_open(const struct signer *s, enum list_order order, const char *text,
    struct list_pos *pos)
{
	unsigned char	 raw[RAW_LEN];
	uint64_t	 t = 0;
	size_t		 i, o = 0;
	int		 hi, lo;

	if (strlen(text) != CURSOR_TEXT_LEN)
		return IMG_EINVAL;
	for (i = 0; i < RAW_LEN; i++) {
		if ((hi = hexval(text[2 * i])) < 0 ||
		    (lo = hexval(text[2 * i + 1])) < 0)
			return IMG_EINVAL;
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	if (signer_mac_verify(s, raw, BODY_LEN, raw + BODY_LEN) != IMG_OK ||
	    raw[0] != CURSOR_VERSION || raw[1] != (unsigned char)order)
		return IMG_EINVAL;
	for (i = 0; i < 8; i++)
		t = t << 8 | raw[2 + i];
	pos->created_at = (int64_t)t;
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			pos->image_id[o++] = '-';
		pos->image_id[o++] = hexdig[raw[10 + i] >> 4];
		pos->image_id[o++] = hexdig[raw[10 + i] & 0xf];
	}
	pos->image_id[o] = '\0';
	return IMG_OK;
}
