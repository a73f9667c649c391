/*
 * clock.c: the server's clock and id generator (see clock.h).
 *
 * A seeded id is the 128 bits of two rounds of SplitMix64 over the seed
 * and the id's index, with the version and variant bits set: the sequence
 * is fixed by the seed, its ids look random, and none repeats within 2^64
 * ids because the index goes through a bijection.
 */
#include "imaged/clock.h"
#include "imaged/signer.h"
#include "imaged/text.h"

void
clock_init_real(struct clock *c)
{
	atomic_init(&c->fixed, false);
	atomic_init(&c->usec, 0);
}

void
clock_init_fixed(struct clock *c, int64_t usec)
{
	atomic_init(&c->usec, usec);
	atomic_init(&c->fixed, true);
}

int64_t
clock_usec(struct clock *c)
{
	struct timespec	 ts;

	if (atomic_load(&c->fixed))
		return atomic_load(&c->usec);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

time_t
clock_seconds(struct clock *c)
{
	int64_t	 us = clock_usec(c);

	/* Floor, also before 1970. */
	return (time_t)(us >= 0 ? us / USEC_PER_SEC :
	    -((-us + USEC_PER_SEC - 1) / USEC_PER_SEC));
}

bool
clock_is_fixed(struct clock *c)
{
	return atomic_load(&c->fixed);
}

void
clock_set(struct clock *c, int64_t usec)
{
	/* usec first: a reader that sees fixed also sees its time. */
	atomic_store(&c->usec, usec);
	atomic_store(&c->fixed, true);
}

void
idgen_init(struct idgen *g, bool seeded, uint64_t seed)
{
	g->seeded = seeded;
	g->seed = seed;
	atomic_init(&g->next, 0);
}

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void
idgen_uuid(struct idgen *g, char out[IMAGE_ID_SIZE])
{
	unsigned char		 b[16];
	uint64_t		 n, hi, lo;
	size_t			 i;

	if (!g->seeded) {
		random_uuid(out);
		return;
	}
	n = atomic_fetch_add(&g->next, 1);
	hi = splitmix64(g->seed ^ splitmix64(n));
	lo = splitmix64(hi ^ n);
	for (i = 0; i < 8; i++) {
		b[i] = (unsigned char)(hi >> (56 - 8 * i));
		b[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
	}
	uuid_format_v4(b, out);
}

void
idgen_restart(struct idgen *g)
{
	atomic_store(&g->next, 0);
}
