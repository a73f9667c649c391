/*
 * harness.h: API tests start imaged in-process on port 0 with a fresh
 * temp data dir and talk to it over HTTP with libcurl.
 */
#ifndef IMAGED_TEST_HARNESS_H
#define IMAGED_TEST_HARNESS_H

#include <stddef.h>

#include <jansson.h>

#include "imaged/buf.h"
#include "imaged/config.h"
#include "imaged/imaged.h"

struct reply {
	long		 status;
	struct buf	 body;
	struct buf	 headers;	/* raw header lines */
	json_t		*json;		/* the body parsed, when it is JSON */
};

/* The daemon under test; started by harness_start(). */
extern struct imaged	*test_daemon;

/* Start a daemon with defaults changed by `key=value` pairs (NULL-ended). */
void		 harness_start_with(const char *const *settings);
void		 harness_start(void);
void		 harness_stop(void);

/*
 * One request.  headers: NULL-ended "Name: value" lines; body may be NULL.
 * The reply is the caller's to free with reply_free().
 */
void		 http_do(struct reply *, const char *method, const char *path,
		    const char *const *headers, const void *body, size_t len);
void		 http_get(struct reply *, const char *path);
/* POST a JSON upload of the file at data_path with user_id and filename. */
void		 upload_json(struct reply *, const char *data_path,
		    const char *user_id, const char *filename,
		    const char *metadata);
void		 reply_free(struct reply *);
/*
 * A header's value from the reply (static storage, valid until the next
 * call), or NULL.
 */
const char	*reply_header(const struct reply *, const char *name);
/* Error code and field of an error reply ("" when absent). */
const char	*reply_code(const struct reply *);
const char	*reply_field(const struct reply *);

/* Read a whole file; the caller frees. */
char		*read_file(const char *path, size_t *len);
/* Base64 of a buffer; the caller frees. */
char		*base64_of(const void *, size_t);
/* Number of regular files under dir (recursively). */
int		 count_files(const char *dir);
/* Files in the daemon's bucket, and in its temp folder. */
int		 bucket_files(void);
int		 temp_files(void);
/* A TCP connection to the daemon, for requests curl will not send. */
int		 connect_daemon(void);

#endif
