/*
 * renderpool.h: a small, bounded pool of threads for work too slow for
 * the threads that answer requests (making renditions).
 *
 * A job is a function and its argument.  The queue holds at most
 * queue_max jobs waiting; a submit past that is refused at once, so a
 * burst of renders gets 503 rather than a growing backlog and memory.
 * Thread-safe; jobs run in the order submitted, each on one pool thread.
 */
#ifndef IMAGED_RENDERPOOL_H
#define IMAGED_RENDERPOOL_H

#include "imaged/err.h"

struct renderpool;

typedef void (*render_job)(void *arg);

/* Start threads threads (>= 1).  Errors: IMG_ENOMEM, IMG_EINTERNAL. */
enum img_err	 renderpool_new(unsigned threads, unsigned queue_max,
		    struct renderpool **);
/*
 * Queue job(arg).  IMG_EUNAVAIL when queue_max jobs wait already or the
 * pool is stopping; then the job will not run and arg stays the caller's.
 */
enum img_err	 renderpool_submit(struct renderpool *, render_job, void *arg);
/* Jobs waiting and running now (for tests and metrics). */
unsigned	 renderpool_pending(struct renderpool *);
/*
 * Refuse new jobs (submit then gives IMG_EUNAVAIL), let the queued and
 * running ones finish and join the threads.  NULL is a no-op.
 */
void		 renderpool_drain(struct renderpool *);
/* Drain, then free.  NULL is a no-op. */
void		 renderpool_free(struct renderpool *);

#endif
