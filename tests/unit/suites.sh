#!/bin/sh
# Print the list of test suites defined in the given C files, as the
# declarations and table rows that tests/unit/runner.c includes.
# A suite is a function `Suite *name_suite(void)` at the start of a line.
names=$(sed -n 's/^\([a-z0-9_]*_suite\)(void)$/\1/p' "$@" | sort -u)
for n in $names; do echo "Suite *$n(void);"; done
echo "#define ALL_SUITES \\"
for n in $names; do echo "	$n, \\"; done
echo
