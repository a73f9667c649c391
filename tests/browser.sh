#!/bin/sh
# tests/browser.sh: the web console in a real browser.  Debian's chromium,
# headless, is driven by tests/browser/console.js (playwright-core and
# axe-core pinned in tests/node) against the built daemon: once with
# auth = none, once with auth = token and three tokens (two users, an
# admin).  Each check the script prints counts as one test; screenshots of
# the grid and the detail view are left in build/browser/.
. "$(dirname "$0")/lib.sh"

here=$(dirname "$0")
out=${BROWSER_OUT:-build/browser}
mkdir -p "$out"

# run MODE [TOKEN...]: the script against $BASE; its PASS/FAIL lines count.
run() {
	mode=$1
	shift
	node "$here/browser/console.js" "$mode" "$BASE" "$out" "$@" \
	    > "$work/run.log" 2>&1
	cat "$work/run.log"
	p=$(grep -c '^PASS ' "$work/run.log")
	f=$(grep -c '^FAIL ' "$work/run.log")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		not_ok "the browser script ran no check"
	fi
}

if ! command -v node >/dev/null || [ ! -x /usr/bin/chromium ] ||
    [ ! -d "$here/node/node_modules/playwright-core" ]; then
	not_ok "needs node, /usr/bin/chromium and tests/node (make node-deps)"
	finish
	exit
fi

start=$(date +%s)

# The default follows the listen address: off on all addresses.
if start_daemon --ephemeral --listen 0.0.0.0; then
	check "console off by default on 0.0.0.0: / is 404" \
	    sh -c "curl -s -o /dev/null -w '%{http_code}' '$BASE/' | grep -qx 404"
	stop_daemon
else
	not_ok "start (listen 0.0.0.0)"
fi
if start_daemon --ephemeral; then
	run open
	check "stops on SIGTERM with 0 after the open run" stop_daemon
else
	not_ok "start (auth = none)"
fi

data="$work/data"
alice=$("$IMAGED" --data-dir "$data" token add alice 2>/dev/null)
bob=$("$IMAGED" --data-dir "$data" token add bob 2>/dev/null)
admin=$("$IMAGED" --data-dir "$data" token add root --admin 2>/dev/null)
if [ -n "$alice" ] && [ -n "$bob" ] && [ -n "$admin" ] &&
    start_daemon --data-dir "$data" --auth token; then
	run token "$alice" "$bob" "$admin"
	check "stops on SIGTERM with 0 after the token run" stop_daemon
else
	not_ok "start (auth = token)"
fi
echo "browser: $(($(date +%s) - start)) s in all"
finish
