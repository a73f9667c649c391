/*
 * lane.h: a few threads of their own for work that may take long.
 *
 * The HTTP server's threads each serve many connections, so one request
 * that computes for 100 ms stalls every other connection of its thread.
 * Such work is handed to a lane instead: a queue and a bounded number of
 * threads that run its jobs in order of arrival, at a lower scheduling
 * priority (a higher nice value) than the threads that serve everyone,
 * so that on a busy machine they yield the CPU to short requests.
 *
 * A job is a struct lane_job embedded in the caller's own state: the lane
 * allocates nothing per job.  Thread-safe.
 */
#ifndef IMAGED_LANE_H
#define IMAGED_LANE_H

#include <pthread.h>
#include <stdbool.h>

#include "imaged/err.h"

struct lane;

struct lane_job {
	void			(*run)(struct lane_job *);
	struct lane_job		*next;		/* the lane's */
};

/* A call run on a lane while its caller does something else (lane_begin). */
struct lane_call {
	struct lane_job		 job;
	void			(*fn)(void *);
	void			*arg;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	bool			 done;
};

/*
 * A lane of up to nthreads (at least 1) threads, each at nice value
 * `nice` above the caller's: one starts now, the others as jobs find
 * none idle.  Errors: IMG_ENOMEM, IMG_EUNAVAIL (no thread could start).
 */
enum img_err	 lane_start(unsigned nthreads, int nice, struct lane **);
/* Queue job; one of the lane's threads calls job->run(job) soon. */
void		 lane_submit(struct lane *, struct lane_job *job);
/* Run every job queued, then stop the threads and free.  NULL: no-op. */
void		 lane_stop(struct lane *);
/*
 * Have fn(arg) run on the lane (at once, on the calling thread, when the
 * lane is NULL); the caller must lane_wait(call) before call goes.
 */
void		 lane_begin(struct lane *, struct lane_call *call,
		    void (*fn)(void *), void *arg);
/* Return once the call lane_begin started has returned. */
void		 lane_wait(struct lane_call *);

#endif
