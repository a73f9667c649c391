/*
 * upload.c: the single path every uploaded byte takes: limit, hash,
 * sniff, write.  The SHA-256 is a streaming digest, so the checksum
 * costs one pass over bytes that are already in cache.
 */
#include <stdlib.h>

#include "imaged/digest.h"
#include "imaged/upload.h"

struct upload {
	struct blob_writer		*writer;
	struct digest			 hash;
	struct img_sniff		 sniff;
	uint64_t			 size;
	uint64_t			 max_size;
};

enum img_err
upload_new(struct blobstore *bs, uint64_t max_size, struct upload **up)
{
	struct upload	*u;
	enum img_err	 e;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return IMG_ENOMEM;
	if ((e = blob_writer_new(bs, &u->writer)) != IMG_OK) {
		free(u);
		return e;
	}
	digest_init(&u->hash);
	img_sniff_init(&u->sniff);
	u->max_size = max_size;
	*up = u;
	return IMG_OK;
}

enum img_err
upload_write(struct upload *u, const void *p, size_t n)
{
	if (n > u->max_size - u->size)
		return IMG_ETOOBIG;
	u->size += n;
	digest_add(&u->hash, p, n);
	img_sniff_feed(&u->sniff, p, n);
	return blob_writer_write(u->writer, p, n);
}

void
upload_end(struct upload *u, struct upload_info *info)
{
	digest_hex(&u->hash, info->sha256);
	info->size = u->size;
	info->kind = img_sniff_kind(&u->sniff);
	if (!img_sniff_dims(&u->sniff, &info->width, &info->height))
		info->width = info->height = 0;
}

enum img_err
upload_link(struct upload *u, const char *key)
{
	return blob_writer_link(u->writer, key);
}

enum img_err
upload_sync(struct upload *u)
{
	return blob_writer_sync(u->writer);
}

void
upload_settle(struct upload *u)
{
	blob_writer_settle(u->writer);
}

void
upload_free(struct upload *u)
{
	if (u == NULL)
		return;
	blob_writer_free(u->writer);
	free(u);
}

enum img_err
upload_commit_unsynced(struct upload *u, const char *key)
{
	return blob_writer_commit_unsynced(u->writer, key);
}
