/*
 * lane.c: a queue of jobs and the threads that run them (see lane.h).
 *
 * One mutex guards the queue (a singly linked FIFO through the jobs' own
 * next fields), the counts and the stop flag; idle threads wait on one
 * condition.  Threads start as jobs need them, up to the lane's count: a
 * job that finds more jobs queued than threads idle starts one.  A daemon
 * that serves only reads never starts most of them, which keeps start-up
 * and idle memory small.
 *
 * A thread lowers its own priority when it starts: on Linux a nice value
 * belongs to a thread, not to the whole process.
 */
#include <sys/resource.h>
#include <sys/syscall.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "imaged/lane.h"
#include "imaged/log.h"

#define LANE_THREADS_MAX	16

struct lane {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct lane_job		*head;
	struct lane_job		**tail;
	bool			 stopping;
	int			 nice;
	pthread_t		 threads[LANE_THREADS_MAX];
	unsigned		 nthreads;	/* started */
	unsigned		 nmax;
	unsigned		 nidle;		/* waiting for a job */
	unsigned		 njobs;		/* queued, not yet taken */
};

static void *
lane_main(void *arg)
{
	struct lane	*l = arg;
	struct lane_job	*job;
	pid_t		 tid = (pid_t)syscall(SYS_gettid);

	if (l->nice > 0 && setpriority(PRIO_PROCESS, (id_t)tid,
	    getpriority(PRIO_PROCESS, (id_t)tid) + l->nice) == -1)
		log_debug("lane: cannot lower the priority of a thread");
	pthread_mutex_lock(&l->lock);
	for (;;) {
		while (l->head == NULL && !l->stopping) {
			l->nidle++;
			pthread_cond_wait(&l->cond, &l->lock);
			l->nidle--;
		}
		if ((job = l->head) == NULL)
			break;		/* stopping, and nothing left */
		if ((l->head = job->next) == NULL)
			l->tail = &l->head;
		l->njobs--;
		pthread_mutex_unlock(&l->lock);
		job->next = NULL;
		job->run(job);
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

enum img_err
lane_start(unsigned nthreads, int nice, struct lane **lp)
{
	struct lane	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return IMG_ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	l->tail = &l->head;
	l->nice = nice;
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > LANE_THREADS_MAX)
		nthreads = LANE_THREADS_MAX;
	l->nmax = nthreads;
	if (pthread_create(&l->threads[0], NULL, lane_main, l) == 0)
		l->nthreads = 1;
	if (l->nthreads == 0) {
		lane_stop(l);
		return IMG_EUNAVAIL;
	}
	*lp = l;
	return IMG_OK;
}

void
lane_submit(struct lane *l, struct lane_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&l->lock);
	*l->tail = job;
	l->tail = &job->next;
	/*
	 * More jobs waiting than idle threads to take them: one more thread,
	 * if the lane may have it (if it cannot start, the job waits for one
	 * that runs).
	 */
	if (++l->njobs > l->nidle && l->nthreads < l->nmax &&
	    pthread_create(&l->threads[l->nthreads], NULL, lane_main, l) == 0)
		l->nthreads++;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

void
lane_stop(struct lane *l)
{
	unsigned	 i;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	for (i = 0; i < l->nthreads; i++)
		pthread_join(l->threads[i], NULL);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static void
run_call(struct lane_job *job)
{
	struct lane_call	*c = (struct lane_call *)(void *)((char *)job -
	    offsetof(struct lane_call, job));

	c->fn(c->arg);
	pthread_mutex_lock(&c->lock);
	c->done = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void
lane_begin(struct lane *l, struct lane_call *c, void (*fn)(void *),
    void *arg)
{
	c->fn = fn;
	c->arg = arg;
	c->done = false;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (l == NULL) {
		fn(arg);
		c->done = true;
		return;
	}
	c->job.run = run_call;
	lane_submit(l, &c->job);
}

void
lane_wait(struct lane_call *c)
{
	pthread_mutex_lock(&c->lock);
	while (!c->done)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
}
