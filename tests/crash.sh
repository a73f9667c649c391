#!/bin/sh
# Crash safety: tests/crash/crashtest.c loads imaged with 16 clients,
# SIGKILLs it at a random moment, restarts it on the same data folder and
# checks that every acknowledged upload and delete held and that the store
# is clean.  One test per round; CRASH_ROUNDS rounds (3 here, more under
# `make crashtest`), CRASH_SEED to repeat a run.  The program is built
# beside $IMAGED by tests/crash/crash.mk.
. "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")/.." || exit 1
prog=$(dirname "$IMAGED")/crashtest
rounds=${CRASH_ROUNDS:-3}

if [ ! -x "$prog" ]; then
	not_ok "crashtest not built: $prog (make $prog)"
else
	{
		"$prog" -r "$rounds" ${CRASH_SEED:+-s "$CRASH_SEED"} \
		    "$IMAGED" "$work" data/sample.png data/sample.jpg \
		    data/sample.gif data/sample.webp
		echo $? > "$work/status"
	} 2>&1 | tee "$work/out"
	counts=$(sed -n 's/^rounds: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
	    "$work/out")
	if [ -z "$counts" ]; then
		not_ok "crashtest ended early (status $(cat "$work/status"))"
	else
		set -- $counts
		passed=$((passed + $1))
		failed=$((failed + $2))
		if [ "$(cat "$work/status")" != 0 ] && [ "$2" -eq 0 ]; then
			not_ok "crashtest exited $(cat "$work/status")"
		fi
	fi
fi
finish
