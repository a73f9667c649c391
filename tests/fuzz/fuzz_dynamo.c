/*
 * fuzz_dynamo.c: the DynamoDB item reader (dynamo.h), which reads files
 * a user hands to `imaged import`: scan output, JSON lines, batch requests,
 * gzipped or not.
 *
 * The input becomes a file (a memfd, so no disk is touched) and is read
 * item by item to the end or the first error; each item must be an object
 * and is given to dynamo_image_parse, whose accepted fields must be
 * present and whose tags must all be strings.  An error must come with a
 * message, and after it the reader must stay spent.
 */
#include <sys/mman.h>

#include <unistd.h>

#include "imaged/dynamo.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dynamo_reader	*r;
	struct dynamo_image	 im;
	json_t			*item;
	char			 path[64], msg[256];
	size_t			 i, n = 0;
	int			 fd, rc;

	if ((fd = memfd_create("fuzz-dynamo", 0)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	FUZZ_CHECK(dynamo_reader_open(path, &r) == IMG_OK);
	while ((rc = dynamo_reader_next(r, &item, msg, sizeof(msg))) == 1) {
		FUZZ_CHECK(json_is_object(item));
		if (dynamo_image_parse(item, &im, msg, sizeof(msg))) {
			FUZZ_CHECK(im.image_id != NULL && im.user_id != NULL &&
			    im.s3_key != NULL && im.filename != NULL &&
			    im.content_type != NULL && im.created_at != NULL);
			FUZZ_CHECK(im.file_size >= 0);
			for (i = 0; i < im.ntags; i++)
				FUZZ_CHECK(dynamo_image_tag(&im, i) != NULL);
		} else
			FUZZ_CHECK(msg[0] != '\0');
		json_decref(item);
		n++;
	}
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		FUZZ_CHECK(msg[0] != '\0');
		FUZZ_CHECK(dynamo_reader_next(r, &item, msg, sizeof(msg)) != 1);
	}
	FUZZ_CHECK(n <= size);
	dynamo_reader_close(r);
	close(fd);
	return 0;
}
