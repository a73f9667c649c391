#!/bin/sh
# The log as an operator reads it: one access line per request with the
# time (UTC, milliseconds), client, request id, method, escaped path,
# status, bytes and duration; log_format = json gives lines that jq reads,
# every one; -v adds the debug lines of an upload's stages.
. "$(dirname "$0")/lib.sh"

# The access lines of the last daemon's log, by path.
line_of() {
	grep -F " $1 " "$work/log" | tail -n 1
}

start_daemon --ephemeral || { not_ok "start"; finish; exit; }
curl -s -o /dev/null -H 'X-Request-Id: trace-42' "$BASE/healthz"
curl -s -o /dev/null "$BASE/images/%0afoo%20bar%22%5c%c3%a9"
curl -s -o /dev/null "$BASE/healthz?signature=secret-bits"
stop_daemon
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
check "text: every field, in order" sh -c "grep -E '^imaged: $ts \
127\.0\.0\.1 trace-42 GET /healthz 200 [0-9]+ [0-9]+\.[0-9]{3}ms\$' \
    '$work/log' | grep -q ."
check "text: request id made when none is sent" sh -c "grep -E \
    '^imaged: $ts 127\.0\.0\.1 [0-9a-f]{8}-[0-9a-f]{8} GET /images/' \
    '$work/log' | grep -q ."
check "text: control, space, quote, backslash and UTF-8 bytes escaped" \
    grep -qF ' GET /images/\x0afoo\x20bar\x22\x5c\xc3\xa9 400 ' "$work/log"
check "text: the query string is not logged" sh -c "! grep -q secret-bits \
    '$work/log'"
check "text: the start-up check's own request is named" grep -qE \
    ' imaged-start GET /healthz 200 ' "$work/log"
check "text: one line per request" [ "$(grep ' GET /' "$work/log" |
    grep -vc ' imaged-start ')" = 3 ]
check "text: no debug lines without -v" sh -c "! grep -q 'debug:' '$work/log'"

: > "$work/log"
start_daemon --ephemeral --log-format json -v
curl -s -o /dev/null -H 'X-Request-Id: trace-43' "$BASE/healthz"
curl -s -o /dev/null "$BASE/images/%0afoo%20bar"
curl -s -o /dev/null -X POST "$BASE/images?user_id=u1&filename=a.png" \
    -H 'Content-Type: image/png' --data-binary @data/sample.png
stop_daemon
check "json: jq reads every line" jq -e . "$work/log" > /dev/null
check "json: every line an object with a time" sh -c "jq -r '.time' \
    '$work/log' | grep -Evx '$ts' | wc -l | grep -qx 0"
check "json: the access fields" sh -c "jq -e 'select(.request_id ==
    \"trace-43\") | .client == \"127.0.0.1\" and .method == \"GET\" and
    .path == \"/healthz\" and .status == 200 and (.bytes | type) ==
    \"number\" and (.duration_ms | type) == \"number\"' '$work/log' |
    grep -qx true"
check "json: the path escaped" sh -c "jq -e 'select(.status == 400) |
    .path == \"/images/\\\\x0afoo bar\"' '$work/log' | grep -qx true"
check "json: messages have a level" sh -c "jq -e 'select(.message) |
    .level' '$work/log' | grep -q info"
check "-v: the upload's stages" sh -c "jq -r 'select(.level ==
    \"debug\") | .message' '$work/log' | grep -q 'upload .*committed'"
finish
