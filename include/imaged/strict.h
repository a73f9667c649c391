/*
 * strict.h: cloud_strict = on, where imaged behaves as the deployed
 * original (API Gateway, Lambda, DynamoDB) does rather than better.
 *
 * - A listing reads `limit` entries of the index (by user, or all images)
 *   and only then applies its filters, as DynamoDB's Query with a
 *   FilterExpression: pages may be short or empty with a cursor that is
 *   not null.  created_after/created_before are key conditions (applied
 *   before the limit) when user_id is given, as the sort key of the
 *   original's UserIdIndex; filters otherwise.
 * - A request body over STRICT_PAYLOAD_MAX is 413, and the only upload
 *   form is JSON with base64 image_data (api_upload.c).
 * Pure functions; thread-safe.
 */
#ifndef IMAGED_STRICT_H
#define IMAGED_STRICT_H

#include <stdbool.h>

#include "imaged/catalog.h"
#include "imaged/image.h"

/*
 * The original's payload limit: Lambda's 6 MB synchronous invocation
 * payload, which every request passes through behind API Gateway (whose
 * own 10 MB limit is never the one reached).
 */
#define STRICT_PAYLOAD_MAX	(6ULL * 1024 * 1024)

/* The index part of q: what DynamoDB reads before the filters. */
void		 strict_index_query(const struct list_query *q,
		    struct list_query *index);

/* Filter records read with strict_index_query, then pass them on. */
struct strict_filter {
	const struct list_query	*q;		/* the whole query */
	catalog_record_cb	 cb;
	void			*arg;
	unsigned		 scanned;	/* index entries read */
};
/* A catalog_record_cb: arg is a struct strict_filter. */
enum img_err	 strict_filter_record(void *arg, const struct image_record *);
/* Whether a record passes q's filters (not its position or limit). */
bool		 strict_matches(const struct list_query *q,
		    const struct image_record *);

#endif
