/*
 * metrics.h: the daemon's counters, and their Prometheus text rendering.
 *
 * Counted on the request path without a lock: each counter lives in one
 * shard per CPU (the shard of the CPU a thread runs on, by sched_getcpu),
 * updated with relaxed atomic adds, so that threads on different CPUs never
 * share a cache line; a scrape sums the shards.  Sums read while requests
 * run are each exact but not a snapshot of one instant, which Prometheus
 * counters do not need.
 *
 * Every function takes a NULL struct metrics as "metrics off" and then
 * does nothing, so callers need no test of their own.
 */
#ifndef IMAGED_METRICS_H
#define IMAGED_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "imaged/buf.h"
#include "imaged/err.h"
#include "imaged/router.h"

struct metrics;

/* The outcome of checking a signed URL. */
enum metrics_signed {
	METRICS_SIGNED_OK,
	METRICS_SIGNED_EXPIRED,
	METRICS_SIGNED_FORBIDDEN,
	METRICS_SIGNED_COUNT
};

/* Gauges that go up and down. */
enum metrics_gauge {
	METRICS_UPLOADS_IN_FLIGHT,
	METRICS_CONNECTIONS_OPEN,
	METRICS_GAUGE_COUNT
};

/*
 * New counters for the n routes of table (borrowed: it must outlive the
 * metrics), all zero.  IMG_ENOMEM.
 */
enum img_err	 metrics_new(const struct route *table, size_t n,
		    struct metrics **);
void		 metrics_free(struct metrics *);

/*
 * One request answered: route is its index in the table, or n (any
 * table size) for a request that matched no route (404, 405, preflight,
 * refusals).  bytes_in: body bytes read; bytes_out: body bytes answered;
 * usec: from its first byte to its end.
 */
void		 metrics_request(struct metrics *, size_t route, int status,
		    uint64_t bytes_in, uint64_t bytes_out, uint64_t usec);
void		 metrics_signed(struct metrics *, enum metrics_signed);
void		 metrics_gauge_add(struct metrics *, enum metrics_gauge,
		    int delta);

/*
 * Append the counters in the Prometheus text exposition format (0.0.4):
 * the request counters and histograms, the gauges, and the process's own
 * metrics (resident memory, CPU seconds, open and maximum descriptors,
 * start time).  IMG_ETOOBIG or IMG_ENOMEM from the buffer.
 */
enum img_err	 metrics_render(const struct metrics *, struct buf *);

/*
 * A gauge or counter "# HELP/# TYPE/name value" of the caller's, for
 * totals it keeps.
 */
enum img_err	 metrics_render_gauge(struct buf *, const char *name,
		    const char *help, double value);
enum img_err	 metrics_render_counter(struct buf *, const char *name,
		    const char *help, uint64_t value);

#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

#endif
