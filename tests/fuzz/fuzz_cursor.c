/*
 * fuzz_cursor.c: listing cursors (cursor.h), the last_evaluated_key a
 * client sends back.
 *
 * The input is opened as a cursor for both orders with a signer of a fixed
 * key (the seeds hold cursors sealed with it, so mutations start from
 * valid ones).  A cursor that opens must be exactly what sealing its
 * position gives, with a canonical image id, and must not open for the
 * other order.  Then a position is made from the input's bytes, sealed,
 * and must open to itself, for its order only, and stop opening once any
 * one character is changed.
 */
#include <stdbool.h>

#include "imaged/cursor.h"
#include "imaged/signer.h"
#include "imaged/text.h"

#include "fuzz.h"

/* The key the seed cursors were sealed with (tests/fuzz/make-seeds.sh). */
#define FUZZ_KEY	"imaged fuzz cursor key 32 bytes"

static struct signer	*signer;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char	 key[SIGNER_KEY_LEN];

	(void)argc;
	(void)argv;
	memcpy(key, FUZZ_KEY, SIGNER_KEY_LEN);
	if (signer_new(key, &signer) != IMG_OK)
		abort();
	return 0;
}

static void
check_pos(const struct list_pos *pos)
{
	char	 canon[IMAGE_ID_SIZE];

	FUZZ_CHECK(strlen(pos->image_id) == IMAGE_ID_LEN);
	FUZZ_CHECK(uuid_parse(pos->image_id, IMAGE_ID_LEN, canon));
	FUZZ_CHECK(strcmp(canon, pos->image_id) == 0);
}

static enum list_order
other(enum list_order o)
{
	return o == LIST_ASC ? LIST_DESC : LIST_ASC;
}

/* The input as a cursor. */
static void
open_text(const char *text)
{
	static const enum list_order	 orders[] = { LIST_DESC, LIST_ASC };
	struct list_pos			 pos, again;
	char				 sealed[CURSOR_TEXT_LEN + 1];
	size_t				 i;

	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		if (cursor_open(signer, orders[i], text, &pos) != IMG_OK)
			continue;
		check_pos(&pos);
		cursor_seal(signer, orders[i], &pos, sealed);
		FUZZ_CHECK(strcmp(sealed, text) == 0);
		FUZZ_CHECK(cursor_open(signer, other(orders[i]), text,
		    &again) == IMG_EINVAL);
	}
}

/* A position made of the input's bytes, sealed and opened. */
static void
round_trip(const uint8_t *data, size_t size)
{
	static const char	 hex[] = "0123456789abcdef";
	struct list_pos		 pos, got;
	enum list_order		 order;
	unsigned char		 raw[25];
	char			 text[CURSOR_TEXT_LEN + 1], c;
	uint64_t		 t = 0, h = fuzz_hash(data, size);
	size_t			 i, o = 0, at;

	memset(raw, 0, sizeof(raw));
	memcpy(raw, data, size < sizeof(raw) ? size : sizeof(raw));
	for (i = 0; i < 8; i++)
		t = t << 8 | raw[i];
	pos.created_at = (int64_t)t;
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			pos.image_id[o++] = '-';
		pos.image_id[o++] = hex[raw[8 + i] >> 4];
		pos.image_id[o++] = hex[raw[8 + i] & 0xf];
	}
	pos.image_id[o] = '\0';
	order = raw[24] & 1 ? LIST_ASC : LIST_DESC;

	cursor_seal(signer, order, &pos, text);
	FUZZ_CHECK(strlen(text) == CURSOR_TEXT_LEN);
	FUZZ_CHECK(strspn(text, hex) == CURSOR_TEXT_LEN);
	FUZZ_CHECK(cursor_open(signer, order, text, &got) == IMG_OK);
	FUZZ_CHECK(got.created_at == pos.created_at);
	FUZZ_CHECK(strcmp(got.image_id, pos.image_id) == 0);
	FUZZ_CHECK(cursor_open(signer, other(order), text, &got) == IMG_EINVAL);

	/* Any one character changed, the MAC's included, and it is refused. */
	at = (size_t)(h % CURSOR_TEXT_LEN);
	c = text[at];
	text[at] = hex[(strchr(hex, c) - hex + 1 + (long)(h >> 32) % 15) % 16];
	FUZZ_CHECK(text[at] != c);
	FUZZ_CHECK(cursor_open(signer, order, text, &got) == IMG_EINVAL);
	/* Upper case is another text, not the same cursor. */
	text[at] = c;
	if (c >= 'a' && c <= 'f') {
		text[at] = (char)(c - 'a' + 'A');
		FUZZ_CHECK(cursor_open(signer, order, text, &got) ==
		    IMG_EINVAL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text = fuzz_cstr(data, size);

	open_text(text);
	free(text);
	round_trip(data, size);
	return 0;
}
