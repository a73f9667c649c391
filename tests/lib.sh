# tests/lib.sh: shared by the shell tests.  They drive the built binary
# ($IMAGED) the way the README shows and record "passed failed" in
# $IMAGED_RESULT for tests/summary.sh.

IMAGED=${IMAGED:-./build/imaged}
passed=0
failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/imaged-test.XXXXXX")
pid=

ok() {
	passed=$((passed + 1))
}

not_ok() {
	failed=$((failed + 1))
	echo "FAIL: $*" >&2
}

# check NAME COMMAND...: one test, passed when COMMAND succeeds.
check() {
	name=$1
	shift
	if "$@"; then ok; else not_ok "$name"; fi
}

# Start imaged on a free port; BASE is its URL.  Extra flags are passed on.
start_daemon() {
	rm -f "$work/url"
	"$IMAGED" --port 0 --url-file "$work/url" "$@" 2>>"$work/log" &
	pid=$!
	i=0
	while [ ! -s "$work/url" ]; do
		i=$((i + 1))
		if [ $i -gt 500 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "imaged did not start:" >&2
			cat "$work/log" >&2
			return 1
		fi
		sleep 0.01
	done
	BASE=$(cat "$work/url")
}

stop_daemon() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		wait "$pid"
		status=$?
		pid=
		return $status
	fi
}

finish() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$work"
	echo "$(basename "$0" .sh): $passed passed, $failed failed"
	[ -n "${IMAGED_RESULT:-}" ] && echo "$passed $failed" > "$IMAGED_RESULT"
	[ "$failed" -eq 0 ]
}
