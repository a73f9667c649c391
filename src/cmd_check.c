/*
 * cmd_check.c: `imaged check [--repair]`, the store check as a command.
 *
 * Opens the catalog and the blob store of the data dir, runs check_store
 * (check.c) and prints what it found, one count a line.  The check may run
 * beside a live daemon: what changed in the last minute is left alone.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/check.h"
#include "imaged/cmd.h"
#include "imaged/log.h"

#define REPAIR_GRACE_S	60	/* a running daemon's in-flight window */

static void
print_counts(FILE *out, const struct check_counts *c)
{
	fprintf(out, "rows        %" PRIu64 " listed\n", c->rows);
	fprintf(out, "missing     %" PRIu64 " (rows whose file is gone)\n",
	    c->missing);
	fprintf(out, "size        %" PRIu64 " (rows whose file has another "
	    "size)\n", c->size);
	fprintf(out, "checksum    %" PRIu64 " (rows whose file has another "
	    "SHA-256)\n", c->checksum);
	fprintf(out, "files       %" PRIu64 " in the bucket\n", c->files);
	fprintf(out, "unknown     %" PRIu64 " (files no row points at; "
	    "--repair moves them to lost+found)\n", c->unknown);
	fprintf(out, "stale       %" PRIu64 " (renditions of images with no "
	    "row; --repair removes them)\n", c->stale);
	fprintf(out, "pending     %" PRIu64 " (uploads and deletes a crash "
	    "left half done)\n", c->pending);
	fprintf(out, "quarantined %" PRId64 " (rows kept out of the listing)\n",
	    c->quarantined);
}

int
cmd_check(const struct config *cfg, int argc, char *argv[])
{
	struct catalog		*cat = NULL;
	struct blobstore	*blobs = NULL;
	struct check_counts	 c;
	struct timespec		 before;
	char			 path[PATH_MAX + 16];
	bool			 repair = false;
	uint64_t		 problems;
	int			 i, ret = 2;
	FILE			*out = stdout;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--repair") != 0) {
			fprintf(stderr, "usage: imaged check [--repair]\n");
			return 2;
		}
		repair = true;
	}
	snprintf(path, sizeof(path), "%s/imaged.db", cfg->data_dir);
	if (access(path, F_OK) == -1) {
		log_warn("%s", path);
		return 2;
	}
	if (catalog_open(path, 1, &cat) != IMG_OK ||
	    blobstore_open(cfg->data_dir, cfg->bucket, cfg->file_mode,
	    &blobs) != IMG_OK)
		goto done;
	/*
	 * A daemon may be running: what changed in the last minute may be an
	 * upload or delete in flight, and is left alone.
	 */
	clock_gettime(CLOCK_REALTIME, &before);
	before.tv_sec -= REPAIR_GRACE_S;
	if (check_store(cat, blobs, repair, before, &c, out,
	    isatty(STDERR_FILENO) ? stderr : NULL) != IMG_OK) {
		log_warnx("check: cannot read the store");
		goto done;
	}
	problems = c.missing + c.size + c.checksum + c.unknown + c.stale +
	    c.pending;
	print_counts(out, &c);
	if (problems == 0)
		fprintf(out, "clean\n");
	else
		fprintf(out, "%" PRIu64 " problem%s, %" PRIu64 " repaired\n",
		    problems, problems == 1 ? "" : "s", c.repaired);
	ret = problems == c.repaired && (problems == 0 || repair) ? 0 : 1;
done:
	blobstore_close(blobs);
	catalog_close(cat);
	return ret;
}
