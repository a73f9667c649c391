/*
 * testctl.h: what test_mode adds to the server: injected faults, the
 * journal of recent requests, and the gate that lets a reset wait for the
 * requests in flight.
 *
 * The HTTP layer consults it at fixed points: testctl_fault() once a
 * request's headers are in, testctl_enter()/testctl_leave() around every
 * handler but the control routes', and testctl_record() when a request is
 * done.  The control routes (api_control.c) edit the rules, read the
 * journal and take the gate exclusively for a reset or a clock change.
 * A struct testctl exists only with test_mode = on.  Every function is
 * thread-safe.
 */
#ifndef IMAGED_TESTCTL_H
#define IMAGED_TESTCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imaged/buf.h"
#include "imaged/err.h"
#include "imaged/http.h"

#define CONTROL_PREFIX		"/_imaged/"
#define FAULTS_MAX		64
#define FAULT_PATH_MAX		256
#define FAULT_DELAY_MAX		60000	/* ms */
#define JOURNAL_MAX		1000	/* requests kept, oldest dropped */

struct testctl;

/* A rule: which requests it takes, and what it does to them. */
struct fault_rule {
	unsigned	 methods;	/* enum http_method bits; 0: any */
	char		 path[FAULT_PATH_MAX];	/* "": any; "x*": prefix x */
	int		 status;	/* 0: none, else answer this error */
	unsigned	 delay_ms;	/* wait first */
	bool		 reset_connection;	/* close without an answer */
	unsigned	 times;		/* 0: every time, else this many */
	unsigned	 retry_after;	/* seconds, on a 429 or 503 */
};

/* What a request meets, from testctl_fault(). */
struct fault_hit {
	unsigned	 delay_ms;
	int		 status;	/* 0: none */
	unsigned	 retry_after;
	bool		 reset_connection;
};

/* IMG_ENOMEM. */
enum img_err	 testctl_new(struct testctl **);
/* NULL is a no-op. */
void		 testctl_free(struct testctl *);

/* Add a rule (copied); IMG_EINVAL past FAULTS_MAX rules. */
enum img_err	 testctl_fault_add(struct testctl *, const struct fault_rule *);
void		 testctl_faults_clear(struct testctl *);
/* Append {"faults": [...]} with each rule and its hits so far. */
enum img_err	 testctl_faults_json(struct testctl *, struct buf *);
/*
 * The first rule with times left that takes method and path (the path
 * without any stage prefix); false when none does.  Never one of the
 * control routes.  Counts the hit.
 */
bool		 testctl_fault(struct testctl *, enum http_method,
		    const char *path, struct fault_hit *);

/*
 * Journal a finished request.  path is as sent; routed is the path
 * without its stage prefix (NULL if it had none we know), used to leave
 * the control routes out.  query holds nquery decoded pairs; status 499
 * means no answer was sent.
 */
void		 testctl_record(struct testctl *, const char *method,
		    const char *path, const char *routed,
		    const struct query_param *query, size_t nquery, int status,
		    int64_t duration_us, const char *request_id);
/* Append {"requests": [...]}: the last limit requests, oldest first. */
enum img_err	 testctl_journal_json(struct testctl *, struct buf *,
		    size_t limit);
void		 testctl_journal_clear(struct testctl *);

/* Around a handler: shared with other handlers, never with a reset. */
void		 testctl_enter(struct testctl *);
void		 testctl_leave(struct testctl *);
/* Wait until no handler runs and keep others out, until testctl_unlock(). */
void		 testctl_lock(struct testctl *);
void		 testctl_unlock(struct testctl *);

/* Whether a path (stage prefix removed) is one of the control routes. */
bool		 testctl_is_control(const char *path);

#endif
