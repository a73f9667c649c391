/*
 * testctl.c: injected faults, the request journal and the reset gate of
 * test_mode (see testctl.h).
 *
 * Rules and journal each sit under their own mutex; both are small
 * (FAULTS_MAX rules, JOURNAL_MAX entries in a ring), so a lock is held for
 * a copy or a short scan, never across I/O.  The journal keeps each
 * request's query already rendered as JSON, so reading it is a copy.
 * The gate is a read-write lock: handlers share it, a reset or a clock
 * change holds it alone.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imaged/router.h"
#include "imaged/testctl.h"
#include "imaged/text.h"

#define JOURNAL_QUERY_MAX	4096	/* bytes of one request's query JSON */

struct fault {
	struct fault_rule	 rule;
	uint64_t		 hits;
};

struct journal_entry {
	uint64_t	 seq;
	char		 method[16];
	char		*path;
	char		*query;		/* a JSON object */
	int		 status;
	int64_t		 duration_us;
	char		*request_id;
};

struct testctl {
	pthread_mutex_t		 fault_lock;
	struct fault		 faults[FAULTS_MAX];
	size_t			 nfaults;

	pthread_mutex_t		 journal_lock;
	struct journal_entry	 journal[JOURNAL_MAX];
	size_t			 first, count;	/* the ring */
	uint64_t		 seq;

	pthread_rwlock_t	 gate;
};

enum img_err
testctl_new(struct testctl **tp)
{
	struct testctl		*t;
	pthread_rwlockattr_t	 attr;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return IMG_ENOMEM;
	pthread_mutex_init(&t->fault_lock, NULL);
	pthread_mutex_init(&t->journal_lock, NULL);
	/* A reset waits for the handlers running, not for every later one. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&t->gate, &attr);
	pthread_rwlockattr_destroy(&attr);
	*tp = t;
	return IMG_OK;
}

static void
entry_free(struct journal_entry *e)
{
	free(e->path);
	free(e->query);
	free(e->request_id);
	memset(e, 0, sizeof(*e));
}

void
testctl_free(struct testctl *t)
{
	if (t == NULL)
		return;
	testctl_journal_clear(t);
	pthread_rwlock_destroy(&t->gate);
	pthread_mutex_destroy(&t->journal_lock);
	pthread_mutex_destroy(&t->fault_lock);
	free(t);
}

bool
testctl_is_control(const char *path)
{
	return path != NULL && strncmp(path, CONTROL_PREFIX,
	    sizeof(CONTROL_PREFIX) - 1) == 0;
}

/* --- faults -------------------------------------------------------------- */

enum img_err
testctl_fault_add(struct testctl *t, const struct fault_rule *r)
{
	enum img_err	 e = IMG_OK;

	pthread_mutex_lock(&t->fault_lock);
	if (t->nfaults == FAULTS_MAX)
		e = IMG_EINVAL;
	else {
		t->faults[t->nfaults].rule = *r;
		t->faults[t->nfaults].hits = 0;
		t->nfaults++;
	}
	pthread_mutex_unlock(&t->fault_lock);
	return e;
}

void
testctl_faults_clear(struct testctl *t)
{
	pthread_mutex_lock(&t->fault_lock);
	t->nfaults = 0;
	pthread_mutex_unlock(&t->fault_lock);
}

static bool
path_takes(const char *pattern, const char *path)
{
	size_t	 n = strlen(pattern);

	if (n == 0)
		return true;
	if (pattern[n - 1] == '*')
		return strncmp(pattern, path, n - 1) == 0;
	return strcmp(pattern, path) == 0;
}

bool
testctl_fault(struct testctl *t, enum http_method method, const char *path,
    struct fault_hit *hit)
{
	struct fault	*f;
	unsigned	 m = method == HTTP_HEAD ?
	    HTTP_GET | HTTP_HEAD : method;
	size_t		 i;
	bool		 found = false;

	if (path == NULL || testctl_is_control(path))
		return false;
	pthread_mutex_lock(&t->fault_lock);
	for (i = 0; i < t->nfaults && !found; i++) {
		f = &t->faults[i];
		if ((f->rule.methods != 0 && (f->rule.methods & m) == 0) ||
		    !path_takes(f->rule.path, path) ||
		    (f->rule.times != 0 && f->hits >= f->rule.times))
			continue;
		f->hits++;
		hit->delay_ms = f->rule.delay_ms;
		hit->status = f->rule.status;
		hit->retry_after = f->rule.retry_after;
		hit->reset_connection = f->rule.reset_connection;
		found = true;
	}
	pthread_mutex_unlock(&t->fault_lock);
	return found;
}

static const char *
method_name(unsigned bit)
{
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT",
	    "PATCH", "DELETE", "OPTIONS" };
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (bit == 1u << i)
			return names[i];
	return "OTHER";
}

static enum img_err
rule_json(struct buf *b, size_t id, const struct fault *f)
{
	const struct fault_rule	*r = &f->rule;
	enum img_err		 e;
	unsigned		 bit;
	bool			 first = true;

	if ((e = buf_printf(b, "{\"id\": %zu, \"method\": ", id + 1)) != IMG_OK)
		return e;
	if (r->methods == 0)
		e = buf_adds(b, "null");
	else {
		e = buf_addc(b, '[');
		for (bit = 1; e == IMG_OK && bit <= HTTP_OPTIONS; bit <<= 1) {
			if ((r->methods & bit) == 0 ||
			    (bit == HTTP_HEAD && (r->methods & HTTP_GET)))
				continue;
			if (!first)
				e = buf_adds(b, ", ");
			if (e == IMG_OK)
				e = buf_printf(b, "\"%s\"", method_name(bit));
			first = false;
		}
		if (e == IMG_OK)
			e = buf_addc(b, ']');
	}
	if (e != IMG_OK ||
	    (e = buf_adds(b, ", \"path\": ")) != IMG_OK ||
	    (e = json_put_str(b,
	    r->path[0] != '\0' ? r->path : NULL)) != IMG_OK)
		return e;
	if (r->status != 0)
		e = buf_printf(b, ", \"status\": %d", r->status);
	else
		e = buf_adds(b, ", \"status\": null");
	if (e != IMG_OK)
		return e;
	if ((e = buf_printf(b, ", \"delay_ms\": %u, \"reset_connection\": %s"
	    ", \"retry_after\": %u, \"hits\": %" PRIu64, r->delay_ms,
	    r->reset_connection ? "true" : "false", r->retry_after,
	    f->hits)) != IMG_OK)
		return e;
	if (r->times == 0)
		e = buf_adds(b, ", \"times\": null, \"remaining\": null}");
	else
		e = buf_printf(b,
		    ", \"times\": %u, \"remaining\": %" PRIu64 "}",
		    r->times, f->hits >= r->times ? 0 : r->times - f->hits);
	return e;
}

enum img_err
testctl_faults_json(struct testctl *t, struct buf *b)
{
	enum img_err	 e;
	size_t		 i;

	pthread_mutex_lock(&t->fault_lock);
	e = buf_adds(b, "{\"faults\": [");
	for (i = 0; e == IMG_OK && i < t->nfaults; i++) {
		if (i > 0)
			e = buf_adds(b, ", ");
		if (e == IMG_OK)
			e = rule_json(b, i, &t->faults[i]);
	}
	if (e == IMG_OK)
		e = buf_adds(b, "]}\n");
	pthread_mutex_unlock(&t->fault_lock);
	return e;
}

/* --- journal ------------------------------------------------------------- */

/*
 * The query as a JSON object; a key sent more than once maps to the array
 * of its values, in order.  NULL when out of memory.
 */
static char *
query_json(const struct query_param *q, size_t n)
{
	struct buf	 b;
	size_t		 i, j, count;
	bool		 seen, first = true;
	enum img_err	 e;

	buf_init(&b, JOURNAL_QUERY_MAX);
	e = buf_addc(&b, '{');
	for (i = 0; e == IMG_OK && i < n; i++) {
		for (j = 0, seen = false; j < i && !seen; j++)
			seen = strcmp(q[j].key, q[i].key) == 0;
		if (seen)
			continue;
		for (j = i, count = 0; j < n; j++)
			count += strcmp(q[j].key, q[i].key) == 0;
		if (!first)
			e = buf_adds(&b, ", ");
		first = false;
		if (e == IMG_OK && (e = json_put_str(&b, q[i].key)) == IMG_OK)
			e = buf_adds(&b, ": ");
		if (e == IMG_OK && count == 1)
			e = json_put_str(&b, q[i].value);
		else if (e == IMG_OK) {
			e = buf_addc(&b, '[');
			for (j = i, count = 0; e == IMG_OK && j < n; j++) {
				if (strcmp(q[j].key, q[i].key) != 0)
					continue;
				if (count++ > 0)
					e = buf_adds(&b, ", ");
				if (e == IMG_OK)
					e = json_put_str(&b, q[j].value);
			}
			if (e == IMG_OK)
				e = buf_addc(&b, ']');
		}
	}
	if (e == IMG_OK)
		e = buf_addc(&b, '}');
	if (e != IMG_OK) {
		/*
		 * Past the cap: the keys that fit are not worth a
		 * half object.
		 */
		buf_free(&b);
		return strdup("{\"truncated\": true}");
	}
	return buf_steal(&b, NULL);
}

void
testctl_record(struct testctl *t, const char *method, const char *path,
    const char *routed, const struct query_param *query, size_t nquery,
    int status, int64_t duration_us, const char *request_id)
{
	struct journal_entry	 e, *slot;

	if (testctl_is_control(routed))
		return;
	memset(&e, 0, sizeof(e));
	snprintf(e.method, sizeof(e.method), "%s", method);
	e.path = strdup(path != NULL ? path : "");
	e.query = query_json(query, nquery);
	e.request_id = strdup(request_id != NULL ? request_id : "");
	e.status = status;
	e.duration_us = duration_us;
	if (e.path == NULL || e.query == NULL || e.request_id == NULL) {
		entry_free(&e);
		return;
	}
	pthread_mutex_lock(&t->journal_lock);
	if (t->count == JOURNAL_MAX) {
		slot = &t->journal[t->first];
		entry_free(slot);
		t->first = (t->first + 1) % JOURNAL_MAX;
		t->count--;
	}
	e.seq = ++t->seq;
	t->journal[(t->first + t->count) % JOURNAL_MAX] = e;
	t->count++;
	pthread_mutex_unlock(&t->journal_lock);
}

enum img_err
testctl_journal_json(struct testctl *t, struct buf *b, size_t limit)
{
	const struct journal_entry	*r;
	enum img_err			 e;
	size_t				 i, from;

	pthread_mutex_lock(&t->journal_lock);
	from = t->count > limit ? t->count - limit : 0;
	e = buf_adds(b, "{\"requests\": [");
	for (i = from; e == IMG_OK && i < t->count; i++) {
		r = &t->journal[(t->first + i) % JOURNAL_MAX];
		if (i > from)
			e = buf_adds(b, ", ");
		if (e == IMG_OK)
			e = buf_printf(b, "{\"seq\": %" PRIu64 ", \"method\": ",
			    r->seq);
		if (e == IMG_OK && (e = json_put_str(b, r->method)) == IMG_OK &&
		    (e = buf_adds(b, ", \"path\": ")) == IMG_OK &&
		    (e = json_put_str(b, r->path)) == IMG_OK &&
		    (e = buf_adds(b, ", \"query\": ")) == IMG_OK &&
		    (e = buf_adds(b, r->query)) == IMG_OK &&
		    (e = buf_printf(b, ", \"status\": %d, \"duration_ms\": "
		    "%.3f, \"request_id\": ", r->status,
		    (double)r->duration_us / 1000.0)) == IMG_OK &&
		    (e = json_put_str(b, r->request_id)) == IMG_OK)
			e = buf_addc(b, '}');
	}
	if (e == IMG_OK)
		e = buf_printf(b, "], \"count\": %zu}\n", t->count - from);
	pthread_mutex_unlock(&t->journal_lock);
	return e;
}

void
testctl_journal_clear(struct testctl *t)
{
	size_t	 i;

	pthread_mutex_lock(&t->journal_lock);
	for (i = 0; i < t->count; i++)
		entry_free(&t->journal[(t->first + i) % JOURNAL_MAX]);
	t->first = t->count = 0;
	pthread_mutex_unlock(&t->journal_lock);
}

/* --- the gate ------------------------------------------------------------ */

void
testctl_enter(struct testctl *t)
{
	pthread_rwlock_rdlock(&t->gate);
}

void
testctl_leave(struct testctl *t)
{
	pthread_rwlock_unlock(&t->gate);
}

void
testctl_lock(struct testctl *t)
{
	pthread_rwlock_wrlock(&t->gate);
}

void
testctl_unlock(struct testctl *t)
{
	pthread_rwlock_unlock(&t->gate);
}
