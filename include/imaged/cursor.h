/*
 * cursor.h: the opaque last_evaluated_key of a listing.
 *
 * A cursor carries a position (created_at, image_id) and the sort order
 * it was made for, authenticated with the signer's cursor key: a cursor
 * altered in any byte, made for the other order or by a daemon with
 * another key does not open.  It is bound to neither the filters nor the
 * user, so a client may change filters between pages (imaged-api(7),
 * DECIDED EDGE CASES).
 */
#ifndef IMAGED_CURSOR_H
#define IMAGED_CURSOR_H

#include "imaged/catalog.h"
#include "imaged/err.h"
#include "imaged/signer.h"

#define CURSOR_TEXT_LEN	84	/* hex of 42 bytes */

/* Write the cursor of pos in order into out (NUL-terminated). */
void		 cursor_seal(const struct signer *, enum list_order,
		    const struct list_pos *, char out[CURSOR_TEXT_LEN + 1]);
/*
 * Open a cursor for order.  IMG_EINVAL when it is malformed, forged or for
 * the other order.
 */
enum img_err	 cursor_open(const struct signer *, enum list_order,
		    const char *text, struct list_pos *);

#endif
