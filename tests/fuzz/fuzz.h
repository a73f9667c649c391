/*
 * fuzz.h: what every libFuzzer target in tests/fuzz shares.
 *
 * A target defines LLVMFuzzerTestOneInput (and may define
 * LLVMFuzzerInitialize); it feeds the bytes to one module's public API
 * and checks, with FUZZ_CHECK, the invariants that are cheap to check.  A
 * broken invariant aborts, which libFuzzer reports as a crash and saves
 * the input, like a sanitizer finding.  Each input must leave no memory
 * behind: leaks are findings too.
 */
#ifndef IMAGED_FUZZ_H
#define IMAGED_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	 LLVMFuzzerInitialize(int *, char ***);

/* Abort with the condition's text when an invariant does not hold. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/*
 * A copy of the input with a NUL after it, for APIs that take C strings;
 * the caller frees it.  Aborts on out of memory (not a finding).
 */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * A number drawn from the whole input (FNV-1a), so that a target can pick
 * split points and sizes without reserving bytes of the input for them:
 * the seed files stay plain, realistic documents.
 */
static inline uint64_t
fuzz_hash(const uint8_t *data, size_t size)
{
	uint64_t	 h = UINT64_C(14695981039346656037);
	size_t		 i;

	for (i = 0; i < size; i++) {
		h ^= data[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

#endif
