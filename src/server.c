/*
 * server.c: imaged_start() and imaged_stop(): the stores opened in order
 * and closed in reverse, one cleanup path for both.
 */
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <netdb.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/api.h"
#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/ephemeral.h"
#include "imaged/httpd.h"
#include "imaged/imaged.h"
#include "imaged/lane.h"
#include "imaged/log.h"
#include "imaged/rendcache.h"
#include "imaged/renderpool.h"
#include "imaged/metrics.h"
#include "imaged/recover.h"
#include "imaged/signer.h"
#include "imaged/testctl.h"
#include "imaged/tokens.h"

/* Renders that may wait for a render thread, per thread; past them, 503. */
#define RENDER_QUEUE_PER_WORKER	16

/*
 * The data dir and the folders above it that do not exist yet get the
 * folder mode of file_mode (0700 by default): the images and their
 * metadata are nobody else's business on a shared machine.  A folder
 * that exists keeps its mode.
 */
#define PING_TIMEOUT_S	10	/* for the daemon's answer to its own ping */

static enum img_err
make_data_dir(struct imaged *d)
{
	const char	*tmp;
	char		*p;
	mode_t		 mode = blob_dir_mode(d->cfg.file_mode);

	if (d->cfg.ephemeral) {
		tmp = getenv("TMPDIR");
		if (ephemeral_make(tmp != NULL && *tmp != '\0' ? tmp : "/tmp",
		    d->data_dir, sizeof(d->data_dir)) != IMG_OK)
			return IMG_EUNAVAIL;
		d->remove_data_dir = true;
		return IMG_OK;
	}
	snprintf(d->data_dir, sizeof(d->data_dir), "%s", d->cfg.data_dir);
	/* mkdir -p, so a fresh checkout's ./imaged-data just appears. */
	for (p = d->data_dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d->data_dir, mode) == -1 && errno != EEXIST) {
			log_warn("%s", d->data_dir);
			*p = '/';
			return IMG_EUNAVAIL;
		}
		*p = '/';
	}
	if (mkdir(d->data_dir, mode) == -1 && errno != EEXIST) {
		log_warn("%s", d->data_dir);
		return IMG_EUNAVAIL;
	}
	return IMG_OK;
}

/*
 * SQLite creates a database 0644; made here first, empty, it has
 * file_mode, and SQLite gives its -wal and -shm files the same.
 */
static enum img_err
make_db_file(const char *path, mode_t mode)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1 && errno != EEXIST) {
		log_warn("%s", path);
		return IMG_EUNAVAIL;
	}
	if (fd != -1)
		close(fd);
	return IMG_OK;
}

/*
 * Finish or undo what a crash left half done.  No request is in flight
 * yet, so every temp file and pending removal is a leftover; the cost is
 * theirs, not the bucket's (recover.h).
 */
static enum img_err
recover(struct imaged *d)
{
	struct recover_counts	 c = { 0 };
	struct timespec		 now;
	enum img_err		 e;

	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_sec += 1;	/* file times may run ahead of this clock */
	if ((e = recover_leftovers(d->catalog, d->blobs, now, false, &c)) !=
	    IMG_OK) {
		log_warnx("cannot recover the leftovers of a crash");
		return e;
	}
	if (c.uploads_undone + c.unfinished > 0)
		log_info("removed %" PRIu64 " unfinished upload%s",
		    c.uploads_undone + c.unfinished,
		    c.uploads_undone + c.unfinished == 1 ? "" : "s");
	if (c.deletes > 0)
		log_info("finished %" PRIu64 " delete%s", c.deletes,
		    c.deletes == 1 ? "" : "s");
	if (c.rows_undone > 0)
		log_info("removed %" PRIu64 " image%s whose file was not whole",
		    c.rows_undone, c.rows_undone == 1 ? "" : "s");
	return IMG_OK;
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
	enum img_err	 e;

	/* The control routes can wipe everything: keep them off the net. */
	if (cfg->test_mode && !loopback(cfg->listen) &&
	    cfg->auth != AUTH_TOKEN) {
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
	if ((e = make_db_file(path, d->cfg.file_mode)) != IMG_OK)
		goto fail;
	/* A reader for every thread that may run a handler (httpd.h). */
	if ((e = catalog_open(path, d->cfg.workers + HTTPD_SLOW_THREADS +
	    HTTPD_COMMIT_THREADS, &d->catalog)) != IMG_OK) {
		log_warnx("%s: cannot open the catalog", path);
		goto fail;
	}
	catalog_set_clock(d->catalog, &d->clock);
	if ((e = blobstore_open(d->data_dir, d->cfg.bucket,
	    d->cfg.file_mode, &d->blobs)) != IMG_OK)
		goto fail;
	if ((e = recover(d)) != IMG_OK ||
	    (e = lane_start(HTTPD_COMMIT_THREADS, 0, &d->row_commits)) !=
	    IMG_OK)
		goto fail;
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
	if (d->cfg.metrics && (e = metrics_new(api_routes,
	    api_nroutes_for(&d->cfg), &d->metrics)) != IMG_OK)
		goto fail;
	if ((e = httpd_start(&d->cfg, api_routes, api_nroutes_for(&d->cfg),
	    d->tokens != NULL ? api_authenticate : NULL, d, d->metrics,
	    &d->httpd)) != IMG_OK)
		goto fail;
	snprintf(d->url, sizeof(d->url), "http://%s%s%s:%u",
	    strchr(d->cfg.listen, ':') ? "[" : "", d->cfg.listen,
	    strchr(d->cfg.listen, ':') ? "]" : "", httpd_port(d->httpd));
	*dp = d;
	return IMG_OK;
fail:
	imaged_stop(d, 0);
	return e;
}

/*
 * Ask the daemon's own /healthz over a socket, as a client would: proof
 * that it accepts, reads, routes and answers, not only that it listens.
 * A wildcard address is reached through the loopback of its family.
 */
enum img_err
imaged_ping(const struct imaged *d)
{
	struct addrinfo	 hints, *ai = NULL;
	struct timeval	 tv = { .tv_sec = PING_TIMEOUT_S };
	const char	*host = d->cfg.listen;
	char		 port[8], req[256], answer[16];
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd = -1;
	enum img_err	 e = IMG_EUNAVAIL;

	if (strcmp(host, "0.0.0.0") == 0)
		host = "127.0.0.1";
	else if (strcmp(host, "::") == 0)
		host = "::1";
	snprintf(port, sizeof(port), "%u", httpd_port(d->httpd));
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return IMG_EUNAVAIL;
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		goto done;
	/* Its request id tells its access line from a client's. */
	n = snprintf(req, sizeof(req), "GET /healthz HTTP/1.1\r\n"
	    "Host: %s%s%s:%s\r\nX-Request-Id: imaged-start\r\n"
	    "Connection: close\r\n\r\n",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
	    port);
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		goto done;
	while (got < sizeof(answer) - 1 &&
	    (n = recv(fd, answer + got, sizeof(answer) - 1 - got, 0)) > 0)
		got += (size_t)n;
	answer[got] = '\0';
	if (strncmp(answer, "HTTP/1.1 200 ", 13) == 0 ||
	    strncmp(answer, "HTTP/1.0 200 ", 13) == 0)
		e = IMG_OK;
done:
	if (fd != -1)
		close(fd);
	freeaddrinfo(ai);
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
	/*
	 * Renders first: each wakes the requests waiting on it, which the
	 * HTTP server then answers in its grace period; it cannot stop with
	 * a request still suspended.
	 */
	renderpool_drain(d->render_pool);
	httpd_stop(d->httpd, grace_ms);
	lane_stop(d->row_commits);
	rendcache_close(d->renditions);
	renderpool_free(d->render_pool);
	metrics_free(d->metrics);
	blobstore_close(d->blobs);
	catalog_close(d->catalog);
	tokens_close(d->tokens);
	signer_free(d->signer);
	testctl_free(d->testctl);
	if (d->remove_data_dir)
		ephemeral_remove(d->data_dir);
	free(d);
}
