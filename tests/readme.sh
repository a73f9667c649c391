#!/bin/sh
# Run every shell block of the README's "Examples" section against a
# fresh daemon, in order, in one shell (so a block may use what an
# earlier one set).  A block passes when it exits 0 and no response in
# its output is a JSON error.
. "$(dirname "$0")/lib.sh"

start_daemon --ephemeral || { not_ok "start"; finish; exit; }

# Split the Examples section's ```sh blocks into files block.1, block.2, ...
awk -v dir="$work" '
	/^## / { inside = ($0 == "## Examples") }
	inside && /^```sh$/ { n++; file = dir "/block." n; next }
	inside && /^```$/ { file = ""; next }
	file != "" { print > file }
' README.md

n=1
while [ -f "$work/block.$n" ]; do
	sed "s|http://127.0.0.1:8080|$BASE|g" "$work/block.$n" > "$work/run.$n"
	if . "$work/run.$n" > "$work/out.$n" 2>&1 &&
	    ! grep -q '"error": {' "$work/out.$n"; then
		ok
	else
		not_ok "README example $n:"
		cat "$work/run.$n" "$work/out.$n" >&2
	fi
	n=$((n + 1))
done
[ "$n" -gt 5 ] || not_ok "README has too few examples ($((n - 1)))"
check "signed URL answered 200" sh -c "cat \"$work\"/out.* | grep -q \"^200 image/\""
check "stops on SIGTERM with 0" stop_daemon
finish
