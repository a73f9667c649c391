/*
 * runner.c: runs every Check suite (the unit suites of tests/unit and the
 * API suites of tests/api) and records "N passed, M failed".
 *
 * Suites are found by tests/unit/suites.sh, so a new check_*.c file needs
 * no registration.  CK_RUN_SUITE=name (Check's own variable) runs one suite.
 * With IMAGED_RESULT set, the counts are also written to that file for
 * tests/summary.sh.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"

typedef Suite *(*suite_fn)(void);

int
main(void)
{
	static const suite_fn	 suites[] = { ALL_SUITES };
	SRunner			*sr;
	const char		*out;
	FILE			*fp;
	int			 ran, failed;
	size_t			 k;

	sr = srunner_create(suites[0]());
	for (k = 1; k < sizeof(suites) / sizeof(suites[0]); k++)
		srunner_add_suite(sr, suites[k]());
	srunner_run_all(sr, CK_NORMAL);
	ran = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("%d passed, %d failed\n", ran - failed, failed);
	if ((out = getenv("IMAGED_RESULT")) != NULL &&
	    (fp = fopen(out, "w")) != NULL) {
		fprintf(fp, "%d %d\n", ran - failed, failed);
		fclose(fp);
	}
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
