/*
 * imaged.h: the server context, the one place imaged's state lives.
 *
 * A struct imaged owns the configuration it was started with, the
 * catalog, the blob store, the signer and the HTTP server; every handler
 * receives it.  There is no global state, so a test may start several
 * daemons in one process.  Fields are set by imaged_start() and never
 * change while the server runs, so handlers read them without locks;
 * only the clock and the id sequence change, and they are atomic.
 */
#ifndef IMAGED_IMAGED_H
#define IMAGED_IMAGED_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "imaged/clock.h"
#include "imaged/config.h"
#include "imaged/err.h"

struct catalog;
struct blobstore;
struct signer;
struct httpd;
struct lane;
struct tokens;
struct renderpool;
struct rendcache;
struct metrics;
struct testctl;

struct imaged {
	struct config		 cfg;
	char			 data_dir[PATH_MAX];	/* the one in use */
	struct catalog		*catalog;
	struct blobstore	*blobs;
	struct signer		*signer;
	struct tokens		*tokens;	/* auth = token only */
	struct httpd		*httpd;
	/* uploads' rows, committed beside their files' fsyncs */
	struct lane		*row_commits;
	/* renders, off the request threads */
	struct renderpool	*render_pool;
	struct rendcache	*renditions;	/* renditions kept on disk */
	struct metrics		*metrics;	/* NULL: metrics = off */
	/* http://host:port it listens on */
	char			 url[128];
	bool			 remove_data_dir;	/* --ephemeral */
	/* Every time imaged hands out or checks, and the image ids. */
	struct clock		 clock;
	struct idgen		 ids;
	struct testctl		*testctl;	/* test_mode = on only */
};

/*
 * Open the stores, finish or undo what a crash left half done
 * (recover.h), and start serving with cfg (copied).  With
 * cfg->ephemeral, the data dir is a new temp folder, removed at stop.
 * Errors: IMG_EUNAVAIL (stores, address in use: logged), IMG_ENOMEM.
 */
enum img_err	 imaged_start(const struct config *cfg, struct imaged **);
/*
 * Whether the daemon answers: GET /healthz over a socket to its own
 * address must get a 200.  IMG_OK or IMG_EUNAVAIL.
 */
enum img_err	 imaged_ping(const struct imaged *);
/* The base URL it listens on, "http://127.0.0.1:8080". */
const char	*imaged_url(const struct imaged *);
/*
 * Let requests in flight finish (for at most grace_ms), then close
 * everything.  NULL is a no-op.
 */
void		 imaged_stop(struct imaged *, unsigned grace_ms);

#endif
