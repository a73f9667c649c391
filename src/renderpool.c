/*
 * renderpool.c: a fixed set of threads taking jobs from a bounded ring
 * (see renderpool.h).
 *
 * Invariants, under lock: ring[head .. head + nqueued) (mod cap) are the
 * waiting jobs, nqueued <= cap; running counts the jobs being run; once
 * stopping is set no job is added, and the threads exit when the ring is
 * empty.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "imaged/log.h"
#include "imaged/renderpool.h"

struct pool_job {
	render_job	 fn;
	void		*arg;
};

struct renderpool {
	pthread_mutex_t	 lock;
	pthread_cond_t	 more;		/* a job was queued, or stopping */
	struct pool_job	*ring;
	unsigned	 cap, head, nqueued, running;
	bool		 stopping;
	pthread_t	*threads;
	unsigned	 nthreads;	/* started */
};

static void *
pool_thread(void *arg)
{
	struct renderpool	*p = arg;
	struct pool_job		 job;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->nqueued == 0 && !p->stopping)
			pthread_cond_wait(&p->more, &p->lock);
		if (p->nqueued == 0)
			break;	/* stopping, and nothing left */
		job = p->ring[p->head];
		p->head = (p->head + 1) % p->cap;
		p->nqueued--;
		p->running++;
		pthread_mutex_unlock(&p->lock);
		job.fn(job.arg);
		pthread_mutex_lock(&p->lock);
		p->running--;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

enum img_err
renderpool_new(unsigned threads, unsigned queue_max, struct renderpool **pp)
{
	struct renderpool	*p;

	if (threads < 1)
		threads = 1;
	if (queue_max < 1)
		queue_max = 1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return IMG_ENOMEM;
	p->cap = queue_max;
	if ((p->ring = calloc(queue_max, sizeof(*p->ring))) == NULL ||
	    (p->threads = calloc(threads, sizeof(*p->threads))) == NULL) {
		free(p->ring);
		free(p);
		return IMG_ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->more, NULL);
	for (p->nthreads = 0; p->nthreads < threads; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, pool_thread,
		    p) != 0) {
			log_warnx("render pool: cannot start a thread");
			renderpool_free(p);
			return IMG_EINTERNAL;
		}
	*pp = p;
	return IMG_OK;
}

enum img_err
renderpool_submit(struct renderpool *p, render_job fn, void *arg)
{
	enum img_err	 ret = IMG_EUNAVAIL;

	pthread_mutex_lock(&p->lock);
	if (!p->stopping && p->nqueued < p->cap) {
		p->ring[(p->head + p->nqueued) % p->cap] =
		    (struct pool_job){ fn, arg };
		p->nqueued++;
		pthread_cond_signal(&p->more);
		ret = IMG_OK;
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

unsigned
renderpool_pending(struct renderpool *p)
{
	unsigned	 n;

	pthread_mutex_lock(&p->lock);
	n = p->nqueued + p->running;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void
renderpool_drain(struct renderpool *p)
{
	unsigned	 i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	p->nthreads = 0;	/* joined */
}

void
renderpool_free(struct renderpool *p)
{
	if (p == NULL)
		return;
	renderpool_drain(p);
	pthread_cond_destroy(&p->more);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p->ring);
	free(p);
}
