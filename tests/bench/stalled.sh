#!/bin/sh
# stalled.sh: the daemon's memory while clients ask for a large image's
# base64 JSON download (GET /images/{id}?download=true) and never read.
# Prints the resident size before and during, and the growth against its
# target (under 64 MiB with 60 readers of a 10 MiB image).  Asserts
# nothing.
#
#	IMAGED=build/imaged sh tests/bench/stalled.sh
#
# Environment: IMAGED, BENCH_TOOLS (where stalled is; default benchtools/
# beside IMAGED), STALLED_N (default 60), STALLED_MIB (default 10).

set -u

IMAGED=${IMAGED:-build/imaged}
TOOLS=${BENCH_TOOLS:-$(dirname "$IMAGED")/benchtools}
N=${STALLED_N:-60}
MIB=${STALLED_MIB:-10}
HOLD=4
work=$(mktemp -d "${TMPDIR:-/tmp}/imaged-stalled.XXXXXX")
pid=

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

"$IMAGED" --port 0 --url-file "$work/url" --data-dir "$work/data" \
    --max-file-size "${MIB}M" 2>"$work/log" &
pid=$!
i=0
while [ ! -s "$work/url" ]; do
	i=$((i + 1))
	if [ $i -gt 500 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "stalled.sh: imaged did not start" >&2
		cat "$work/log" >&2
		exit 1
	fi
	sleep 0.01
done
base=$(cat "$work/url")
port=${base##*:}

# A PNG of exactly MIB MiB: the sample's bytes, padded after its end.
size=$((MIB * 1048576))
cp data/sample.png "$work/big.png"
head -c $((size - $(wc -c < data/sample.png))) /dev/urandom >> "$work/big.png"
id=$(curl -s -H 'Content-Type: image/png' --data-binary @"$work/big.png" \
    "$base/images?user_id=bench&filename=big.png" |
    sed -n 's/.*"image_id": "\([^"]*\)".*/\1/p')
if [ -z "$id" ]; then
	echo "stalled.sh: the upload failed" >&2
	exit 1
fi
curl -s -o /dev/null "$base/healthz"
sleep 0.5
idle=$(rss_kib "$pid")
"$TOOLS/stalled" "$port" "/images/$id?download=true" "$N" "$HOLD" \
    > "$work/held" &
tpid=$!
peak=$idle
t=0
while [ $t -lt $((HOLD * 10)) ]; do
	sleep 0.1
	r=$(rss_kib "$pid")
	[ "$r" -gt "$peak" ] && peak=$r
	t=$((t + 1))
done
wait $tpid
grow=$(((peak - idle) / 1024))
echo "stalled readers: $(cat "$work/held") x ${MIB} MiB base64 JSON download:" \
    "RSS idle $((idle / 1024)) MiB, peak $((peak / 1024)) MiB," \
    "growth $grow MiB (target < 64 MiB): $([ $grow -lt 64 ] && echo ok ||
    echo OVER)"
