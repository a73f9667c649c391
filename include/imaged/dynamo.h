/*
 * dynamo.h: image records in the formats of DynamoDB, the service whose
 * table ImageMetadata the catalog stands in for.
 *
 * An item carries the original's attributes with the original's types:
 * image_id, user_id, s3_key, filename, content_type, created_at,
 * updated_at, title, description, location as S; file_size as N; tags as
 * L of S.  imaged's own fields ride along as extra attributes: sha256 (S),
 * width and height (N).  A null field is left out, as the original did.
 *
 * Items are read from any file the AWS CLI or DynamoDB writes, streamed
 * one item at a time (memory does not grow with the file):
 * - the output of `aws dynamodb scan` (an object with an "Items" array);
 * - DynamoDB's export data files: JSON lines of {"Item": {...}}, gzipped
 *   or not (zlib reads both);
 * - batch-write-item request files ({"<table>": [{"PutRequest":
 *   {"Item": {...}}}, ...]}).
 * Not thread-safe per reader; readers are independent.
 */
#ifndef IMAGED_DYNAMO_H
#define IMAGED_DYNAMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "imaged/err.h"
#include "imaged/image.h"

#define DYNAMO_TABLE		"ImageMetadata"
#define DYNAMO_BATCH_MAX	25	/* items per batch-write-item request */
#define DYNAMO_VALUE_MAX	(4u << 20)	/* bytes of one item's JSON */

/* The item of a record, a new reference (NULL: out of memory). */
json_t		*dynamo_item_from_record(const struct image_record *);

/*
 * An item's fields, borrowed from the item's JSON (valid while it lives).
 * Text fields are NULL when absent or {"NULL": true}.
 */
struct dynamo_image {
	const char	*image_id;
	const char	*user_id;
	const char	*s3_key;
	const char	*filename;
	const char	*content_type;
	const char	*created_at;
	const char	*updated_at;	/* NULL: as created_at */
	const char	*title;
	const char	*description;
	const char	*location;
	const char	*sha256;	/* NULL: not given */
	int64_t		 file_size;
	const json_t	*tags;		/* the L or SS array; NULL: none */
	size_t		 ntags;
};

/* Tag i (< ntags) of a parsed item, borrowed. */
const char	*dynamo_image_tag(const struct dynamo_image *, size_t i);

/*
 * Read an item's attributes by name and type.  False, with a one-line
 * reason naming the attribute ("file_size: expected a number (N)"), when
 * a required one is missing or any has the wrong type.
 */
bool		 dynamo_image_parse(const json_t *item, struct dynamo_image *,
		    char *msg, size_t msglen);

/*
 * Parse an item's time: RFC 3339 with an offset, or without one (the
 * original wrote UTC times with no offset), to microseconds.
 */
bool		 dynamo_time_parse(const char *, int64_t *usec);

struct dynamo_reader;

/*
 * Open a file of items.  Errors: IMG_ENOTFOUND, IMG_EUNAVAIL (errno
 * says why).
 */
enum img_err	 dynamo_reader_open(const char *path, struct dynamo_reader **);
/*
 * The next item, a new reference in *item.  Returns 1 with an item, 0 at
 * the end, -1 on bytes that are not one of the formats above (msg says
 * where: "line 12: ...").  After -1 the reader is spent.
 */
int		 dynamo_reader_next(struct dynamo_reader *, json_t **item,
		    char *msg, size_t msglen);
void		 dynamo_reader_close(struct dynamo_reader *);

#endif
