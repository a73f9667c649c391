/*
 * clock.h: the time imaged reads, and the image ids it makes.
 *
 * Every time the daemon hands out or checks (created_at, updated_at, the
 * expiry of signed URLs and its EXPIRED answer, Last-Modified, the Date of
 * test_mode's answers) is read from the struct clock in the server
 * context.  A clock is real (the system's) or fixed: a fixed clock stands
 * still until it is set or advanced, so tests can expire a URL without
 * sleeping.  A real clock becomes fixed when it is first set.
 *
 * Image ids come from the struct idgen beside it: random version-4 UUIDs,
 * or with a seed a deterministic sequence of valid version-4 UUIDs, so two
 * runs of one script give the same ids.
 *
 * Both are plain records with atomic fields: every function is
 * thread-safe and takes no lock.  File-system housekeeping (temp file
 * ages, the orphan sweep) compares file times and keeps the system clock.
 */
#ifndef IMAGED_CLOCK_H
#define IMAGED_CLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "imaged/image.h"

#define USEC_PER_SEC	1000000LL

struct clock {
	_Atomic bool	 fixed;
	_Atomic int64_t	 usec;		/* fixed: the time it shows */
};

/* A clock that reads the system's time. */
void		 clock_init_real(struct clock *);
/* A clock standing still at usec (microseconds since the epoch). */
void		 clock_init_fixed(struct clock *, int64_t usec);
/* The time, in microseconds since the epoch. */
int64_t		 clock_usec(struct clock *);
/* The time, in whole seconds. */
time_t		 clock_seconds(struct clock *);
/* Whether it stands still. */
bool		 clock_is_fixed(struct clock *);
/* Stand still at usec from now on. */
void		 clock_set(struct clock *, int64_t usec);

struct idgen {
	/* set at start, never changes */
	bool			 seeded;
	uint64_t		 seed;
	/* seeded: index of the next id */
	_Atomic uint64_t	 next;
};

/* Random ids, or with seeded a sequence that depends on seed alone. */
void		 idgen_init(struct idgen *, bool seeded, uint64_t seed);
/* The next image id: a version-4 UUID in canonical lower case, with a NUL. */
void		 idgen_uuid(struct idgen *, char out[IMAGE_ID_SIZE]);
/* A seeded sequence starts again from its first id (a reset). */
void		 idgen_restart(struct idgen *);

#endif
