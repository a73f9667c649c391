#!/bin/sh
# GET /metrics as a scraper sees it: promtool finds the exposition clean,
# the counters move with the requests made here (by route and status,
# signed-URL checks by result, bytes, images stored), uploads in flight
# and open connections show a slow upload, an admin's token is needed in
# token mode, and metrics = off turns the route off.
. "$(dirname "$0")/lib.sh"

code() {
	curl -s -o /dev/null -w '%{http_code}' "$@"
}

# value NAME_AND_LABELS: the sample's value in the last scrape.
value() {
	awk -v k="$1" '$1 == k { print $2 }' "$work/metrics"
}

scrape() {
	curl -s -o "$work/metrics" -w '%{http_code} %{content_type}' \
	    "$@" "$BASE/metrics" > "$work/scrape"
}

start_daemon --ephemeral || { not_ok "start"; finish; exit; }
rec=$(curl -s -X POST "$BASE/images?user_id=u1&filename=a.png" \
    -H 'Content-Type: image/png' --data-binary @data/sample.png)
id=$(echo "$rec" | jq -r .image_id)
url=$(echo "$rec" | jq -r .download_url)
short=$(curl -s "$BASE/images/$id?expires_in=1" | jq -r .download_url)
curl -s -o /dev/null "$url"
curl -s -o /dev/null "$url"
# Another signature of the right form (altering one digit could leave
# it as it was, when that digit was already the one written).
other=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
curl -s -o /dev/null "$(echo "$url" | sed "s/signature=[0-9a-f]*/signature=$other/")"
curl -s -o /dev/null "$BASE/images/$id"
curl -s -o /dev/null "$BASE/nothing-here"
sleep 2
curl -s -o /dev/null "$short"

# A request is counted once it is complete, which may be a moment after
# its client has read the answer: wait for the last one.
for i in 1 2 3 4 5 6 7 8 9 10; do
	scrape
	[ "$(value 'imaged_signed_url_checks_total{result="expired"}')" = 1 ] &&
	    [ "$(value 'imaged_http_requests_total{method="GET",route="/blobs/{s3_key...}",status="403"}')" = 2 ] &&
	    break
	sleep 0.2
done
check "200 text/plain 0.0.4" grep -q '^200 text/plain; version=0.0.4' \
    "$work/scrape"
if command -v promtool >/dev/null; then
	check "promtool check metrics: clean" sh -c "promtool check metrics \
	    < '$work/metrics' > '$work/promtool' 2>&1 ||
	    { cat '$work/promtool' >&2; false; }"
else
	not_ok "promtool missing (apt-get install prometheus)"
fi
check "uploads counted" [ "$(value 'imaged_http_requests_total{method="POST",route="/images",status="201"}')" = 1 ]
check "GET by id counted" [ "$(value 'imaged_http_requests_total{method="GET",route="/images/{image_id}",status="200"}')" = 2 ]
check "unknown paths counted apart" [ "$(value 'imaged_http_requests_total{method="other",route="other",status="404"}')" = 1 ]
check "signed URLs: ok" [ "$(value 'imaged_signed_url_checks_total{result="ok"}')" = 2 ]
check "signed URLs: forbidden" [ "$(value 'imaged_signed_url_checks_total{result="forbidden"}')" = 1 ]
check "signed URLs: expired" [ "$(value 'imaged_signed_url_checks_total{result="expired"}')" = 1 ]
check "blob answers by status" [ "$(value 'imaged_http_requests_total{method="GET",route="/blobs/{s3_key...}",status="403"}')" = 2 ]
check "the second GET by id came from memory" \
    [ "$(value imaged_catalog_cache_hits_total)" -ge 1 ]
check "reads kept in memory counted" \
    [ "$(value imaged_catalog_cache_fills_total)" -ge 1 ]
check "latency histogram counts every GET by id" [ "$(value 'imaged_http_request_duration_seconds_bucket{method="GET",route="/images/{image_id}",le="+Inf"}')" = 2 ]
check "request bytes" [ "$(value imaged_http_request_body_bytes_total)" = \
    "$(stat -c %s data/sample.png)" ]
check "response bytes" [ "$(value imaged_http_response_body_bytes_total)" -gt 1000 ]
check "images stored" [ "$(value imaged_images_stored)" = 1 ]
check "bytes stored" [ "$(value imaged_image_bytes_stored)" = \
    "$(stat -c %s data/sample.png)" ]
check "resident memory" [ "$(value process_resident_memory_bytes)" -gt 1000000 ]
check "open fds" [ "$(value process_open_fds)" -gt 3 ]
check "CPU seconds" sh -c "echo '$(value process_cpu_seconds_total)' |
    grep -Eq '^[0-9]+\.[0-9]+$'"
check "start time is now-ish" [ "$(value process_start_time_seconds |
    cut -d. -f1)" -ge "$(($(date +%s) - 120))" ]

# A slow upload is in flight, on an open connection.
{ cat data/sample.png; head -c 60000 /dev/zero; } > "$work/big.png"
curl -s -o /dev/null --limit-rate 20k -X POST -H 'Content-Type: image/png' \
    --data-binary @"$work/big.png" "$BASE/images?user_id=u1&filename=b.png" &
slow=$!
i=0
while :; do
	scrape
	[ "$(value imaged_uploads_in_flight)" = 1 ] && break
	i=$((i + 1))
	[ $i -lt 100 ] || break
	sleep 0.05
done
check "an upload in flight" [ "$(value imaged_uploads_in_flight)" = 1 ]
check "its connection open" [ "$(value imaged_connections_open)" -ge 1 ]
wait $slow
scrape
check "none in flight after" [ "$(value imaged_uploads_in_flight)" = 0 ]
check "stops with 0" stop_daemon

# Token mode: an admin's token only.
data="$work/data"
"$IMAGED" --data-dir "$data" token add alice > "$work/user" 2>/dev/null
"$IMAGED" --data-dir "$data" token add root --admin > "$work/admin" 2>/dev/null
start_daemon --data-dir "$data" --auth token
check "token mode: none is 401" [ "$(code "$BASE/metrics")" = 401 ]
check "token mode: a user's is 403" [ "$(code -H "Authorization: Bearer \
$(cat "$work/user")" "$BASE/metrics")" = 403 ]
check "token mode: an admin's is 200" [ "$(code -H "x-api-key: \
$(cat "$work/admin")" "$BASE/metrics")" = 200 ]
stop_daemon

start_daemon --ephemeral --metrics off
check "metrics off: 404" [ "$(code "$BASE/metrics")" = 404 ]
check "metrics off: still serves" [ "$(code "$BASE/healthz")" = 200 ]
stop_daemon
finish
