#!/bin/sh
# scale.sh: how imaged's reads grow with the catalog, what start-up costs
# on a full data folder, and what the slowest listing does to everyone
# else.  Prints figures; asserts nothing.
#
#	IMAGED=build/imaged sh tests/bench/scale.sh
#
# The catalog is filled by tools/seed.py (generated rows, an empty file
# per row under the bucket) to each size of BENCH_SIZES in turn.  At each
# size: GET /images/{id} and one user's first page of 20, p50 and p99 of
# one client's requests (tools/lat.py, BENCH_SLICE seconds each), first
# from the catalog (1000 ids in turn; the page with 1000 created_before
# bounds past every row, so that no read is one imaged keeps in memory),
# then the same id and page again and again (from memory).  At the
# largest: start to the
# first 200 and idle RSS (median of 5 starts), then the slow-filter
# figure: /healthz, GET by id and a user's first page are timed, one
# client each in turn (from the catalog), alone and then while 8 clients
# loop on `title=q` (matches nothing: a walk of every row; each with its
# own created_before, so none is answered from memory).  On a shared
# machine the p99 of the first is the floor the second is to be read
# against.
#
# Environment: IMAGED, BENCH_TOOLS (where hload is; default benchtools/
# beside IMAGED), BENCH_SIZES (default "10000 100000 1000000"),
# BENCH_SLICE (seconds, default 3), BENCH_DIR (keep the data folder
# there, and reuse what it already holds; default: a temporary folder,
# removed at exit), PYTHON (default /usr/bin/python3).

set -u

IMAGED=${IMAGED:-build/imaged}
TOOLS=$(dirname "$0")/tools
HLOAD=${BENCH_TOOLS:-$(dirname "$IMAGED")/benchtools}/hload
SIZES=${BENCH_SIZES:-10000 100000 1000000}
SLICE=${BENCH_SLICE:-3}
PYTHON=${PYTHON:-/usr/bin/python3}

for t in wrk curl; do
	command -v $t >/dev/null 2>&1 || { echo "scale.sh: $t missing" >&2; exit 1; }
done
[ -x "$HLOAD" ] || { echo "scale.sh: $HLOAD not built" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/imaged-scale.XXXXXX") || exit 1
DATA=${BENCH_DIR:-$T/data}
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

start() {
	rm -f "$T/url"
	"$IMAGED" --data-dir "$DATA" --port 0 --url-file "$T/url" \
	    >/dev/null 2>>"$T/imaged.log" &
	SPID=$!
	PIDS="$PIDS $SPID"
	w=0
	until [ -s "$T/url" ]; do
		w=$((w + 1))
		if [ $w -gt 3000 ] || ! kill -0 $SPID 2>/dev/null; then
			echo "scale.sh: imaged did not start" >&2
			tail -n 5 "$T/imaged.log" >&2
			exit 1
		fi
		sleep 0.01
	done
	URL=$(cat "$T/url")
}
stop() {
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	PIDS=""
}

# one URL SECONDS: "RPS P50_MS P99_MS MAX_MS" of one client, each request
# timed on its own (tools/lat.py).
one() {
	"$PYTHON" "$TOOLS/lat.py" "$1" "$2"
}

# urls: $T/get.urls (1000 ids of the catalog, at random) and
# $T/page.urls (USER's first page, 1000 created_before bounds).
urls() {
	"$PYTHON" - "$DATA/imaged.db" "$URL" "$USER" "$T" <<'EOP'
import sqlite3, sys
db, url, user, t = sys.argv[1:]
ids = [r[0] for r in sqlite3.connect(db).execute(
    "SELECT image_id FROM images ORDER BY random() LIMIT 1000")]
with open(t + "/get.urls", "w") as f:
    f.writelines("%s/images/%s\n" % (url, i) for i in ids)
with open(t + "/page.urls", "w") as f:
    f.writelines("%s/images?user_id=%s&limit=20&created_before="
                 "2100-01-01T00:00:00.%06dZ\n" % (url, user, i)
                 for i in range(1000))
EOP
}

if [ ! -f "$DATA/imaged.db" ]; then
	start
	stop
fi
echo "scale.sh: imaged $("$IMAGED" --version 2>/dev/null | head -n 1)," \
    "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %-30s %-30s\n' rows "GET by id: req/s p50 p99 max" \
    "user page: req/s p50 p99 max"
for n in $SIZES; do
	set -- $("$PYTHON" "$TOOLS/seed.py" "$DATA" "$n" files 2>/dev/null)
	ID=$1 USER=$2
	last=$n
	start
	urls
	curl -s -o /dev/null "$URL/images/$ID"
	curl -s -o /dev/null "$URL/images?user_id=$USER&limit=20"
	g=$(one "@$T/get.urls" "$SLICE")
	p=$(one "@$T/page.urls" "$SLICE")
	gm=$(one "$URL/images/$ID" "$SLICE")
	pm=$(one "$URL/images?user_id=$USER&limit=20" "$SLICE")
	stop
	printf '%-9s %-30s %-30s\n' "$n" "$g" "$p"
	printf '%-9s %-30s %-30s\n' "  memory" "$gm" "$pm"
done

set -- $("$HLOAD" startup "$IMAGED" "$T" 5 "$DATA")
echo "start to first 200 at $last rows: median $1 ms ($2-$3 ms)," \
    "idle RSS $(awk -v k="$4" 'BEGIN { printf "%.1f", k / 1024 }') MiB"

start
urls
curl -s -o /dev/null -w "one title=q listing alone: %{time_total} s\n" \
    "$URL/images?title=q"
echo "alone, one client each (req/s p50 p99 max, ms):"
echo "  /healthz        $(one "$URL/healthz" "$SLICE")"
echo "  GET by id       $(one "@$T/get.urls" "$SLICE")"
echo "  user page of 20 $(one "@$T/page.urls" "$SLICE")"
cat >"$T/slow.lua" <<'EOL'
n = 0
request = function()
	n = n + 1
	return wrk.format(nil, string.format(
	    "/images?title=q&created_before=2100-01-01T00:00:00.%06dZ",
	    n % 1000000))
end
EOL
wrk -t2 -c8 -d"$((SLICE * 3 + 4))s" --timeout 60s -s "$T/slow.lua" \
    "$URL/images?title=q" >"$T/slow.out" 2>&1 &
WPID=$!
PIDS="$PIDS $WPID"
sleep 1
echo "while 8 clients list title=q at $last rows (req/s p50 p99 max, ms):"
echo "  /healthz        $(one "$URL/healthz" "$SLICE")"
echo "  GET by id       $(one "@$T/get.urls" "$SLICE")"
echo "  user page of 20 $(one "@$T/page.urls" "$SLICE")"
wait $WPID
echo "  title=q itself: $(awk '/^Requests\/sec/ { print $2 }' "$T/slow.out") req/s"
stop
