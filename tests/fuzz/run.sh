#!/bin/sh
# tests/fuzz/run.sh BUILD SECONDS TARGET...: run built fuzz targets.
#
# Each target first replays its regression inputs (tests/fuzz/regressions/
# <target>-*), then fuzzes for SECONDS from its seeds (tests/fuzz/corpus/
# <target>/) and the inputs earlier runs kept in BUILD/fuzz/corpus-<target>/,
# where new ones go.  Crashes land in BUILD/fuzz/artifacts/.  One line per
# target: executions, coverage, verdict; the full log is BUILD/fuzz/
# log-<target>.  Exits non-zero if any target failed.  FUZZ_FLAGS adds
# libFuzzer flags (-jobs, -max_len, ...).
set -u
build=$1
seconds=$2
shift 2
dir=$build/fuzz
status=0
mkdir -p "$dir/artifacts" "$dir/tmp"
# Where the query target keeps its store; a crash leaves it here.
TMPDIR=$dir/tmp
export TMPDIR
for t in "$@"; do
	bin=$dir/fuzz_$t
	log=$dir/log-$t
	seeds=tests/fuzz/corpus/$t
	dict=
	[ -f "tests/fuzz/$t.dict" ] && dict=-dict=tests/fuzz/$t.dict
	mkdir -p "$dir/corpus-$t"
	: > "$log"
	if [ ! -x "$bin" ]; then
		echo "$t: FAILED: $bin not built"
		status=1
		continue
	fi
	regs=$(ls tests/fuzz/regressions/"$t"-* 2>/dev/null)
	if [ -n "$regs" ] &&
	    ! "$bin" $regs >> "$log" 2>&1; then
		echo "$t: FAILED: a regression input crashes; see $log"
		status=1
		continue
	fi
	# shellcheck disable=SC2086
	if UBSAN_OPTIONS=print_stacktrace=1 "$bin" -max_total_time="$seconds" \
	    -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="$dir/artifacts/$t-" $dict ${FUZZ_FLAGS:-} \
	    "$dir/corpus-$t" "$seeds" >> "$log" 2>&1; then
		verdict=ok
	else
		verdict="FAILED: see $log and $dir/artifacts/"
		status=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 |
	    sed -n 's/.*\(cov: [0-9]*\).*\(ft: [0-9]*\).*\(corp: [0-9]*\).*/\1 \2 \3/p')
	echo "$t: ${execs:-?} execs in ${seconds}s, ${cov:-no stats}: $verdict"
done
exit $status
