/*
 * server.c: imaged_start() and imaged_stop(): the stores opened in order
 * and closed in reverse, one cleanup path for both.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/api.h"
#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/check.h"
#include "imaged/httpd.h"
#include "imaged/imaged.h"
#include "imaged/log.h"
#include "imaged/rendcache.h"
#include "imaged/renderpool.h"
#include "imaged/signer.h"
#include "imaged/testctl.h"
#include "imaged/tokens.h"

/* Renders that may wait for a render thread, per thread; past them, 503. */
#define RENDER_QUEUE_PER_WORKER	16

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static enum img_err
make_data_dir(struct imaged *d)
{
	const char	*tmp;
	char		*p;

	if (d->cfg.ephemeral) {
		tmp = getenv("TMPDIR");
		snprintf(d->data_dir, sizeof(d->data_dir), "%s/imaged-XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(d->data_dir) == NULL) {
			log_warn("%s", d->data_dir);
			return IMG_EUNAVAIL;
		}
		d->remove_data_dir = true;
		return IMG_OK;
	}
	snprintf(d->data_dir, sizeof(d->data_dir), "%s", d->cfg.data_dir);
	/* mkdir -p, so a fresh checkout's ./imaged-data just appears. */
	for (p = d->data_dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d->data_dir, 0755) == -1 && errno != EEXIST) {
			log_warn("%s", d->data_dir);
			*p = '/';
			return IMG_EUNAVAIL;
		}
		*p = '/';
	}
	if (mkdir(d->data_dir, 0755) == -1 && errno != EEXIST) {
		log_warn("%s", d->data_dir);
		return IMG_EUNAVAIL;
	}
	return IMG_OK;
}

/*
 * Files a crash left between an upload's rename and its row, or a delete's
 * row and its unlink, are older than this start: sweep them in the
 * background, so that start-up never waits on a walk of the bucket.
 */
static void *
sweep_orphans(void *arg)
{
	struct imaged	*d = arg;
	uint64_t	 n = 0;

	if (check_sweep_orphans(d->catalog, d->blobs, d->started, &d->stopping,
	    &n) == IMG_OK && n > 0)
		log_info("removed %" PRIu64 " orphan file%s left by a crash", n,
		    n == 1 ? "" : "s");
	atomic_store(&d->sweep_done, true);
	return NULL;
}

/* Whether addr is a loopback address (127.0.0.0/8 or ::1). */
static bool
loopback(const char *addr)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &a6) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&a6);
}

enum img_err
imaged_start(const struct config *cfg, struct imaged **dp)
{
	struct imaged	*d;
	char		 path[PATH_MAX + 32];
	unsigned	 n;
	enum img_err	 e;

	/* The control routes can wipe everything: keep them off the net. */
	if (cfg->test_mode && !loopback(cfg->listen) && cfg->auth != AUTH_TOKEN) {
		log_warnx("test_mode = on needs a loopback listen address "
		    "(127.0.0.1, ::1) or auth = token; listen is %s",
		    cfg->listen);
		return IMG_EINVAL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return IMG_ENOMEM;
	d->cfg = *cfg;
	if (cfg->clock_fixed)
		clock_init_fixed(&d->clock, cfg->clock_usec);
	else
		clock_init_real(&d->clock);
	idgen_init(&d->ids, cfg->id_seed_set, cfg->id_seed_value);
	/*
	 * File times come from the kernel's coarse clock: a file written
	 * after this reading cannot carry an earlier time, and a crash's
	 * leftover (written before this process existed) cannot carry a
	 * later one.  The nanosecond past it takes in a leftover of the same
	 * tick.
	 */
	clock_gettime(CLOCK_REALTIME_COARSE, &d->started);
	d->started.tv_nsec++;
	atomic_init(&d->sweep_done, false);
	atomic_init(&d->stopping, false);
	if ((e = make_data_dir(d)) != IMG_OK)
		goto fail;
	if (d->cfg.signing_key_file[0] != '\0')
		snprintf(path, sizeof(path), "%s", d->cfg.signing_key_file);
	else
		snprintf(path, sizeof(path), "%s/signing.key", d->data_dir);
	if ((e = signer_open(path, d->cfg.previous_signing_key_file[0] != '\0' ?
	    d->cfg.previous_signing_key_file : NULL, &d->signer)) != IMG_OK)
		goto fail;
	snprintf(path, sizeof(path), "%s/imaged.db", d->data_dir);
	if ((e = catalog_open(path, d->cfg.workers, &d->catalog)) != IMG_OK) {
		log_warnx("%s: cannot open the catalog", path);
		goto fail;
	}
	catalog_set_clock(d->catalog, &d->clock);
	if ((e = blobstore_open(d->data_dir, d->cfg.bucket, &d->blobs)) != IMG_OK)
		goto fail;
	/* No upload is running yet: every temp file is a crash's leftover. */
	if ((n = blob_tmp_sweep(d->blobs, time(NULL) + 1, true)) > 0)
		log_info("removed %u unfinished upload%s", n, n == 1 ? "" : "s");
	if ((e = renderpool_new(d->cfg.render_workers,
	    d->cfg.render_workers * RENDER_QUEUE_PER_WORKER,
	    &d->render_pool)) != IMG_OK ||
	    (e = rendcache_open(d->blobs, d->render_pool,
	    d->cfg.rendition_cache_size, d->cfg.rendition_max_pixels,
	    &d->renditions)) != IMG_OK)
		goto fail;
	if (d->cfg.auth == AUTH_TOKEN) {
		snprintf(path, sizeof(path), "%s/%s", d->data_dir, TOKENS_FILE);
		if ((e = tokens_open(path, &d->tokens)) != IMG_OK)
			goto fail;
	}
	if (d->cfg.test_mode && (e = testctl_new(&d->testctl)) != IMG_OK)
		goto fail;
	if ((e = httpd_start(&d->cfg, api_routes, api_nroutes_for(&d->cfg),
	    d->tokens != NULL ? api_authenticate : NULL, d, &d->httpd)) != IMG_OK)
		goto fail;
	if (pthread_create(&d->sweeper, NULL, sweep_orphans, d) == 0)
		d->sweeper_started = true;
	else
		atomic_store(&d->sweep_done, true);
	snprintf(d->url, sizeof(d->url), "http://%s%s%s:%u",
	    strchr(d->cfg.listen, ':') ? "[" : "", d->cfg.listen,
	    strchr(d->cfg.listen, ':') ? "]" : "", httpd_port(d->httpd));
	*dp = d;
	return IMG_OK;
fail:
	imaged_stop(d, 0);
	return e;
}

const char *
imaged_url(const struct imaged *d)
{
	return d->url;
}

void
imaged_stop(struct imaged *d, unsigned grace_ms)
{
	if (d == NULL)
		return;
	atomic_store(&d->stopping, true);
	if (d->sweeper_started)
		pthread_join(d->sweeper, NULL);
	/*
	 * Renders first: each wakes the requests waiting on it, which the
	 * HTTP server then answers in its grace period; it cannot stop with
	 * a request still suspended.
	 */
	renderpool_drain(d->render_pool);
	httpd_stop(d->httpd, grace_ms);
	rendcache_close(d->renditions);
	renderpool_free(d->render_pool);
	blobstore_close(d->blobs);
	catalog_close(d->catalog);
	tokens_close(d->tokens);
	signer_free(d->signer);
	testctl_free(d->testctl);
	if (d->remove_data_dir)
		nftw(d->data_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(d);
}
