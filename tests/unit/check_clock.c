/*
 * check_clock.c: the server's clock and the seeded id sequence.
 */
#include <check.h>
#include <string.h>

#include "imaged/clock.h"
#include "imaged/text.h"

Suite	*clock_suite(void);

START_TEST(test_fixed_clock)
{
	struct clock	 c;

	clock_init_fixed(&c, 1767225600LL * USEC_PER_SEC + 500000);
	ck_assert(clock_is_fixed(&c));
	ck_assert_int_eq(clock_usec(&c), 1767225600LL * USEC_PER_SEC + 500000);
	ck_assert_int_eq(clock_seconds(&c), 1767225600);
	/* It stands still. */
	ck_assert_int_eq(clock_usec(&c), clock_usec(&c));
	clock_set(&c, -1);
	/* floor, before 1970 too */
	ck_assert_int_eq(clock_seconds(&c), -1);
}
END_TEST

START_TEST(test_real_clock_becomes_fixed)
{
	struct clock	 c;
	struct timespec	 now;

	clock_init_real(&c);
	ck_assert(!clock_is_fixed(&c));
	clock_gettime(CLOCK_REALTIME, &now);
	ck_assert_int_le(now.tv_sec - 1, clock_seconds(&c));
	ck_assert_int_le(clock_seconds(&c), now.tv_sec + 1);
	clock_set(&c, 42 * USEC_PER_SEC);
	ck_assert(clock_is_fixed(&c));
	ck_assert_int_eq(clock_seconds(&c), 42);
}
END_TEST

START_TEST(test_seeded_ids)
{
	struct idgen	 a, b, c;
	static char	 xs[200][IMAGE_ID_SIZE];
	char		 y[IMAGE_ID_SIZE], canon[UUID_LEN + 1];
	int		 i, j;

	idgen_init(&a, true, 1);
	idgen_init(&b, true, 1);
	idgen_init(&c, true, 2);
	for (i = 0; i < 200; i++) {
		idgen_uuid(&a, xs[i]);
		idgen_uuid(&b, y);
		ck_assert_str_eq(xs[i], y);	/* the seed alone decides */
		ck_assert(uuid_parse(y, strlen(y), canon));
		ck_assert_str_eq(canon, y);
		ck_assert_int_eq(y[14], '4');
		ck_assert_ptr_nonnull(strchr("89ab", y[19]));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(xs[j], xs[i]);
	}
	idgen_uuid(&c, y);
	ck_assert_str_ne(y, xs[0]);
	idgen_restart(&a);
	idgen_uuid(&a, y);
	ck_assert_str_eq(y, xs[0]);
}
END_TEST

START_TEST(test_random_ids)
{
	struct idgen	 g;
	char		 x[IMAGE_ID_SIZE], y[IMAGE_ID_SIZE];

	idgen_init(&g, false, 0);
	idgen_uuid(&g, x);
	idgen_restart(&g);
	idgen_uuid(&g, y);
	ck_assert_str_ne(x, y);
	ck_assert_int_eq(x[14], '4');
}
END_TEST

Suite *
clock_suite(void)
{
	Suite	*s = suite_create("clock");
	TCase	*tc = tcase_create("clock");

	tcase_add_test(tc, test_fixed_clock);
	tcase_add_test(tc, test_real_clock_becomes_fixed);
	tcase_add_test(tc, test_seeded_ids);
	tcase_add_test(tc, test_random_ids);
	suite_add_tcase(s, tc);
	return s;
}
