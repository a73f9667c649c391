/*
 * image.h: what an image is, in one place: its record as stored, the
 * editable part of it, and the limits on every field a client may send.
 *
 * Every other module takes these from here: the catalog stores the
 * record, the validators enforce the limits, the handlers render both.
 * Limits on text count Unicode code points unless the name says bytes.
 */
#ifndef IMAGED_IMAGE_H
#define IMAGED_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define IMAGE_ID_LEN		36	/* canonical UUID, lower case */
#define IMAGE_ID_SIZE		(IMAGE_ID_LEN + 1)	/* with its NUL */
#define USER_ID_MAX		64	/* bytes of A-Z a-z 0-9 . _ - */
#define FILENAME_MAX_BYTES	255
#define EXT_MAX			15	/* bytes of a filename's extension */
#define TITLE_MAX		256
#define DESCRIPTION_MAX		4096
#define LOCATION_MAX		256
#define TAGS_MAX		32	/* tags on one image */
#define TAG_MAX			64

/* One image as stored.  In callbacks, every pointer is borrowed. */
struct image_record {
	const char	*image_id;
	const char	*user_id;
	const char	*filename;
	const char	*s3_key;
	const char	*content_type;
	const char	*checksum_sha256;	/* 64 hex digits */
	int64_t		 file_size;
	uint32_t	 width, height;		/* 0: unknown (null) */
	const char	*title;			/* NULL: null */
	const char	*description;		/* NULL: null */
	const char	*location;		/* NULL: null */
	/* JSON array of strings, "[]" if none */
	const char	*tags_json;
	/* microseconds since the epoch, UTC */
	int64_t		 created_at;
	int64_t		 updated_at;
};

/* The editable metadata, for insert and update. */
struct image_meta {
	const char		*title;		/* NULL: null */
	const char		*description;
	const char		*location;
	const char *const	*tags;		/* distinct, validated */
	size_t			 ntags;
	/* the same tags as a JSON array */
	const char		*tags_json;
};

/* Which fields of struct image_meta an update sets. */
#define META_TITLE		0x01u
#define META_DESCRIPTION	0x02u
#define META_LOCATION		0x04u
#define META_TAGS		0x08u

#endif
