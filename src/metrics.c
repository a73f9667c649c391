/*
 * metrics.c: counters per CPU shard, summed when scraped.
 *
 * A shard holds every counter of the daemon; there is one shard per
 * configured CPU (at most SHARDS_MAX), each aligned to its own cache
 * lines.  A thread adds to the shard of the CPU it runs on with relaxed
 * atomics: a thread moved to another CPU mid-way adds to two shards,
 * which the sum does not mind.  Gauges are counters too (+1 and -1 may
 * land in different shards; their sum is the value).
 *
 * Statuses are counted in a fixed table of the ones the daemon and its
 * HTTP layer answer; any other lands in "other", so the table's size, not
 * the traffic, bounds the number of series.
 */
#include <sys/resource.h>

#include <dirent.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/metrics.h"

#define SHARDS_MAX	64
#define ROUTES_MAX	32	/* routes of the table, plus "other" */

static const int statuses[] = {
	200, 201, 204, 206, 304, 400, 401, 403, 404, 405, 408, 413, 414,
	415, 416, 431, 499, 500, 501, 503, 505, 507
};
#define NSTATUS		(sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Upper bounds of the latency buckets, in microseconds (+Inf after). */
static const uint64_t buckets_us[] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000
};
#define NBUCKETS	(sizeof(buckets_us) / sizeof(buckets_us[0]) + 1)

typedef _Atomic uint64_t counter;

struct shard {
	alignas(64) counter	 requests[ROUTES_MAX][NSTATUS];
	counter			 latency[ROUTES_MAX][NBUCKETS];
	counter			 latency_us[ROUTES_MAX];
	counter			 bytes_in;
	counter			 bytes_out;
	counter			 signed_checks[METRICS_SIGNED_COUNT];
	_Atomic int64_t		 gauges[METRICS_GAUGE_COUNT];
};

struct metrics {
	const struct route	*table;
	/* of the table; nroutes is "other" */
	size_t			 nroutes;
	size_t			 nshards;
	struct timespec		 started;	/* wall clock */
	struct shard		*shards;
};

enum img_err
metrics_new(const struct route *table, size_t n, struct metrics **mp)
{
	struct metrics	*m;
	long		 cpus = sysconf(_SC_NPROCESSORS_CONF);

	*mp = NULL;
	if (n + 1 > ROUTES_MAX)
		return IMG_EINTERNAL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return IMG_ENOMEM;
	m->table = table;
	m->nroutes = n;
	m->nshards = cpus < 1 ? 1 : cpus > SHARDS_MAX ? SHARDS_MAX :
	    (size_t)cpus;
	m->shards = aligned_alloc(64, m->nshards * sizeof(struct shard));
	if (m->shards == NULL) {
		free(m);
		return IMG_ENOMEM;
	}
	/* Zero bytes are zero counters on every platform this builds on. */
	memset(m->shards, 0, m->nshards * sizeof(struct shard));
	clock_gettime(CLOCK_REALTIME, &m->started);
	*mp = m;
	return IMG_OK;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->shards);
	free(m);
}

static struct shard *
my_shard(struct metrics *m)
{
	int	 cpu = sched_getcpu();

	return &m->shards[cpu < 0 ? 0 : (size_t)cpu % m->nshards];
}

static size_t
status_index(int status)
{
	size_t	 i;

	for (i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS - 1;
}

static void
add(counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void
metrics_request(struct metrics *m, size_t route, int status,
    uint64_t bytes_in, uint64_t bytes_out, uint64_t usec)
{
	struct shard	*s;
	size_t		 b;

	if (m == NULL)
		return;
	if (route > m->nroutes)
		route = m->nroutes;
	s = my_shard(m);
	for (b = 0; b < NBUCKETS - 1 && usec > buckets_us[b]; b++)
		;
	add(&s->requests[route][status_index(status)], 1);
	add(&s->latency[route][b], 1);
	add(&s->latency_us[route], usec);
	if (bytes_in > 0)
		add(&s->bytes_in, bytes_in);
	if (bytes_out > 0)
		add(&s->bytes_out, bytes_out);
}

void
metrics_signed(struct metrics *m, enum metrics_signed result)
{
	if (m == NULL || (unsigned)result >= METRICS_SIGNED_COUNT)
		return;
	add(&my_shard(m)->signed_checks[result], 1);
}

void
metrics_gauge_add(struct metrics *m, enum metrics_gauge g, int delta)
{
	if (m == NULL || (unsigned)g >= METRICS_GAUGE_COUNT)
		return;
	atomic_fetch_add_explicit(&my_shard(m)->gauges[g], delta,
	    memory_order_relaxed);
}

/* --- rendering ------------------------------------------------------------ */

static uint64_t
sum(const struct metrics *m, size_t offset)
{
	uint64_t	 total = 0;
	size_t		 i;

	for (i = 0; i < m->nshards; i++)
		total +=
		    atomic_load_explicit((counter *)((char *)&m->shards[i] +
		    offset), memory_order_relaxed);
	return total;
}

#define SUM(m, field)	sum((m), offsetof(struct shard, field))

static const char *
method_name(enum http_method method)
{
	switch (method) {
	case HTTP_GET:		return "GET";
	case HTTP_HEAD:		return "HEAD";
	case HTTP_POST:		return "POST";
	case HTTP_PUT:		return "PUT";
	case HTTP_PATCH:	return "PATCH";
	case HTTP_DELETE:	return "DELETE";
	case HTTP_OPTIONS:	return "OPTIONS";
	case HTTP_OTHER:	break;
	}
	return "other";
}

/* The labels of a route: its method and pattern, or "other". */
static void
route_labels(const struct metrics *m, size_t r, char *out, size_t len)
{
	if (r < m->nroutes)
		snprintf(out, len, "method=\"%s\",route=\"%s\"",
		    method_name(m->table[r].method), m->table[r].pattern);
	else
		snprintf(out, len, "method=\"other\",route=\"other\"");
}

static enum img_err
render_requests(const struct metrics *m, struct buf *b)
{
	char		 labels[256];
	size_t		 r, st, k;
	uint64_t	 n, cumulative;
	enum img_err	 e;

	if ((e = buf_adds(b, "# HELP imaged_http_requests_total Requests "
	    "answered, by route and status.\n"
	    "# TYPE imaged_http_requests_total counter\n")) != IMG_OK)
		return e;
	for (r = 0; r <= m->nroutes; r++) {
		route_labels(m, r, labels, sizeof(labels));
		for (st = 0; st < NSTATUS; st++) {
			n = SUM(m, requests[r][st]);
			if (n == 0)
				continue;
			if (st < NSTATUS - 1)
				e = buf_printf(b,
				    "imaged_http_requests_total{%s,"
				    "status=\"%d\"} %llu\n", labels,
				    statuses[st], (unsigned long long)n);
			else
				e = buf_printf(b,
				    "imaged_http_requests_total{%s,"
				    "status=\"other\"} %llu\n", labels,
				    (unsigned long long)n);
			if (e != IMG_OK)
				return e;
		}
	}
	if ((e = buf_adds(b, "# HELP imaged_http_request_duration_seconds "
	    "Time from a request's first byte to its end, by route.\n"
	    "# TYPE imaged_http_request_duration_seconds histogram\n"))
	    != IMG_OK)
		return e;
	for (r = 0; r <= m->nroutes; r++) {
		route_labels(m, r, labels, sizeof(labels));
		cumulative = 0;
		for (k = 0; k < NBUCKETS; k++) {
			cumulative += SUM(m, latency[r][k]);
			if (k < NBUCKETS - 1)
				e = buf_printf(b,
				    "imaged_http_request_duration_"
				    "seconds_bucket{%s,le=\"%g\"} %llu\n",
				    labels, (double)buckets_us[k] / 1e6,
				    (unsigned long long)cumulative);
			else
				e = buf_printf(b,
				    "imaged_http_request_duration_"
				    "seconds_bucket{%s,le=\"+Inf\"} %llu\n",
				    labels, (unsigned long long)cumulative);
			if (e != IMG_OK)
				return e;
		}
		if ((e = buf_printf(b,
		    "imaged_http_request_duration_seconds_sum{%s} %.6f\n"
		    "imaged_http_request_duration_seconds_count{%s} %llu\n",
		    labels, (double)SUM(m, latency_us[r]) / 1e6, labels,
		    (unsigned long long)cumulative)) != IMG_OK)
			return e;
	}
	return IMG_OK;
}

enum img_err
metrics_render_counter(struct buf *b, const char *name, const char *help,
    uint64_t value)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
	    name, help, name, name, (unsigned long long)value);
}

enum img_err
metrics_render_gauge(struct buf *b, const char *name, const char *help,
    double value)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n",
	    name, help, name, name, value);
}

static int64_t
gauge(const struct metrics *m, enum metrics_gauge g)
{
	int64_t	 total = 0;
	size_t	 i;

	for (i = 0; i < m->nshards; i++)
		total += atomic_load_explicit(&m->shards[i].gauges[g],
		    memory_order_relaxed);
	return total;
}

/* Descriptors open: the entries of /proc/self/fd, less the one reading it. */
static long
open_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	long		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* Resident and virtual bytes, from /proc/self/statm (pages). */
static void
memory(double *resident, double *virtual)
{
	FILE			*fp;
	unsigned long long	 size = 0, rss = 0;
	long			 page = sysconf(_SC_PAGESIZE);

	*resident = *virtual = -1;
	if ((fp = fopen("/proc/self/statm", "r")) == NULL)
		return;
	if (fscanf(fp, "%llu %llu", &size, &rss) == 2) {
		*virtual = (double)size * (double)page;
		*resident = (double)rss * (double)page;
	}
	fclose(fp);
}

static enum img_err
render_process(const struct metrics *m, struct buf *b)
{
	struct rusage	 ru;
	struct rlimit	 rl;
	double		 cpu = 0, resident, virtual;
	long		 fds = open_fds();
	enum img_err	 e;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	memory(&resident, &virtual);
	if ((e = buf_printf(b, "# HELP process_cpu_seconds_total User and "
	    "system CPU time spent, in seconds.\n"
	    "# TYPE process_cpu_seconds_total counter\n"
	    "process_cpu_seconds_total %.6f\n", cpu)) != IMG_OK ||
	    (resident >= 0 && (e = metrics_render_gauge(b,
	    "process_resident_memory_bytes", "Resident memory, in bytes.",
	    resident)) != IMG_OK) ||
	    (virtual >= 0 && (e = metrics_render_gauge(b,
	    "process_virtual_memory_bytes", "Virtual memory, in bytes.",
	    virtual)) != IMG_OK) ||
	    (fds >= 0 && (e = metrics_render_gauge(b, "process_open_fds",
	    "Open file descriptors.", (double)fds)) != IMG_OK))
		return e;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY &&
	    (e = metrics_render_gauge(b, "process_max_fds", "The most file "
	    "descriptors the process may open.",
	    (double)rl.rlim_cur)) != IMG_OK)
		return e;
	return metrics_render_gauge(b, "process_start_time_seconds", "Start "
	    "time of the process, in seconds since the Unix epoch.",
	    (double)m->started.tv_sec + m->started.tv_nsec / 1e9);
}

enum img_err
metrics_render(const struct metrics *m, struct buf *b)
{
	static const char *const results[METRICS_SIGNED_COUNT] = {
		[METRICS_SIGNED_OK] = "ok",
		[METRICS_SIGNED_EXPIRED] = "expired",
		[METRICS_SIGNED_FORBIDDEN] = "forbidden",
	};
	size_t		 i;
	enum img_err	 e;

	if (m == NULL)
		return IMG_OK;
	if ((e = render_requests(m, b)) != IMG_OK ||
	    (e = metrics_render_counter(b,
	    "imaged_http_request_body_bytes_total",
	    "Request body bytes read.", SUM(m, bytes_in))) != IMG_OK ||
	    (e = metrics_render_counter(b,
	    "imaged_http_response_body_bytes_total",
	    "Response body bytes answered.", SUM(m, bytes_out))) != IMG_OK ||
	    (e = metrics_render_gauge(b, "imaged_uploads_in_flight",
	    "Uploads being received.",
	    (double)gauge(m, METRICS_UPLOADS_IN_FLIGHT))) != IMG_OK ||
	    (e = metrics_render_gauge(b, "imaged_connections_open",
	    "Client connections open.",
	    (double)gauge(m, METRICS_CONNECTIONS_OPEN))) != IMG_OK ||
	    (e = buf_adds(b, "# HELP imaged_signed_url_checks_total Signed "
	    "URLs checked, by result.\n"
	    "# TYPE imaged_signed_url_checks_total counter\n")) != IMG_OK)
		return e;
	for (i = 0; i < METRICS_SIGNED_COUNT; i++)
		if ((e = buf_printf(b, "imaged_signed_url_checks_total{result="
		    "\"%s\"} %llu\n", results[i], (unsigned long long)SUM(m,
		    signed_checks[i]))) != IMG_OK)
			return e;
	return render_process(m, b);
}
