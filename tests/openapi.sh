#!/bin/sh
# The OpenAPI document (etc/openapi.json): Redocly's linter passes it, the
# daemon serves it byte for byte at /openapi.json (under the prefixes too,
# and without a token), and every answer of the API suites matches it:
# each exchange they made, over HTTP or in-process, logged by
# tests/api/exchlog.c, is validated
# against the schema of its route and status (tests/openapi_check.py).
# Each validated answer counts as one check.
. "$(dirname "$0")/lib.sh"

doc=etc/openapi.json
redocly=tests/node/node_modules/.bin/redocly
python=/usr/bin/python3

lint() {
	NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off "$redocly" lint \
	    --config tests/redocly.yaml --format=stylish "$doc" \
	    > "$work/lint" 2>&1
	st=$?
	# Findings are "  LINE:COL  warning|error  rule  text" lines.
	grep -E '^ +[0-9]+:[0-9]+ +(warning|error)|valid' "$work/lint"
	[ $st -eq 0 ] && ! grep -qE '^ +[0-9]+:[0-9]+ +(warning|error)' \
	    "$work/lint"
}
if [ -x "$redocly" ]; then
	check "redocly lint: no error, no warning" lint
else
	not_ok "redocly is not installed (make node-deps)"
fi
check "the document parses" $python -c "import json, sys; json.load(open('$doc'))"
check "the document's version is the daemon's" [ "$(jq -r .info.version \
    "$doc")" = "$("$IMAGED" --version | cut -d' ' -f2)" ]

start_daemon --ephemeral --auth token || { not_ok "start"; finish; exit; }
check "served as it is in the tree" sh -c "curl -sf '$BASE/openapi.json' |
    cmp -s - '$doc'"
check "served under the stage prefix" sh -c "curl -sf '$BASE/dev/openapi.json' |
    cmp -s - '$doc'"
check "served under the LocalStack prefix" sh -c "curl -sf \
    '$BASE/restapis/x1/dev/_user_request_/openapi.json' | cmp -s - '$doc'"
check "JSON content type" sh -c "curl -sI '$BASE/openapi.json' |
    grep -qi '^content-type: application/json'"
check "needs no token, /images does" [ "$(curl -s -o /dev/null -w \
    '%{http_code}' "$BASE/images")" = 401 ]
check "POST is 405" [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    "$BASE/openapi.json")" = 405 ]
stop_daemon

# The API suites' exchanges: those of this `make check` run (the Makefile
# names its log; no other stage sees IMAGED_API_LOG, so no other stage
# adds to it), or else a run of the suites now.
log=${IMAGED_API_EXCHANGES:-}
if [ -z "$log" ] || [ ! -s "$log" ]; then
	log="$work/exchanges.jsonl"
	for suite in api api_errors auth concurrency forms handlers listing \
	    renditions renditions_errors testmode; do
		IMAGED_API_LOG="$log" CK_RUN_SUITE=$suite \
		    "$(dirname "$IMAGED")/unit-tests" > /dev/null 2>&1
	done
fi
if $python tests/openapi_check.py "$doc" "$log" "$work/counts"; then :; fi
if [ -s "$work/counts" ]; then
	read -r p f < "$work/counts"
	passed=$((passed + p))
	failed=$((failed + f))
else
	not_ok "openapi_check.py left no counts"
fi
finish
