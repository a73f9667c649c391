#!/bin/sh
# renditions.sh: the rendition figures of PERFORMANCE.md, each against a
# ceiling taken in the same run: 256 px WebP thumbnails of a 12 MP JPEG
# made by imaged against vipsthumbnail doing the same (per core), a kept
# rendition's GET rate against nginx serving the same file, and imaged's
# RSS while 8 clients ask for renditions of 12 MP images.  Prints figures;
# asserts nothing.
#
#	IMAGED=build/imaged sh tests/bench/renditions.sh
#
# Environment: IMAGED, BENCH_SLICE (seconds per wrk slice, default 2),
# BENCH_ROUNDS (default 3), BENCH_RENDERS (thumbnails per side, default
# 60).  Everything lives in one temporary directory, removed at exit, and
# every process started here is stopped.

set -u

IMAGED=${IMAGED:-build/imaged}
SLICE=${BENCH_SLICE:-2}
ROUNDS=${BENCH_ROUNDS:-3}
RENDERS=${BENCH_RENDERS:-60}
CPUS=$(nproc)

for t in vips vipsthumbnail curl; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "renditions.sh: $t missing (apt-get install -y" \
		    "libvips-tools curl)" >&2
		exit 1
	fi
done
HAVE_WRK=1
command -v wrk >/dev/null 2>&1 || HAVE_WRK=0
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
HAVE_NGINX=1
[ -x "$NGINX" ] || HAVE_NGINX=0

T=$(mktemp -d "${TMPDIR:-/tmp}/imaged-rbench.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

note() {
	printf '  %s\n' "$*" >&2
}

calc() {	# calc EXPR [-v VAR=VALUE ...]
	expr=$1
	shift
	awk "$@" "BEGIN { printf \"%.2f\", $expr }"
}

now() {
	date +%s.%N
}

row() {		# row FIGURE IMAGED CEILING RATIO TARGET
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$T/table"
}

# --- the source: a 12 MP JPEG, made with vips -------------------------------

note "making a 4000x3000 JPEG with vips"
vips gaussnoise "$T/n.v" 4000 3000 --sigma 50 &&
vips gaussblur "$T/n.v" "$T/b.v" 1.5 &&
vips zone "$T/z.v" 4000 3000 &&
vips linear "$T/z.v" "$T/z2.v" 100 128 &&
vips grey "$T/g.v" 4000 3000 &&
vips linear "$T/g.v" "$T/g2.v" 255 0 &&
vips bandjoin "$T/b.v $T/z2.v $T/g2.v" "$T/rgb.v" &&
vips cast "$T/rgb.v" "$T/rgbu.v" uchar &&
vips copy "$T/rgbu.v" "$T/photo.jpg[Q=88]" || exit 1
rm -f "$T"/*.v
note "source: $(vipsheader "$T/photo.jpg"), $(wc -c <"$T/photo.jpg") B"
: >"$T/table"

# --- imaged ------------------------------------------------------------------

start_imaged() {	# start_imaged ARGS...: sets SPID and SURL
	rm -f "$T/url"
	"$IMAGED" --port 0 --url-file "$T/url" --data-dir "$T/data" \
	    --max-file-size 64M "$@" >/dev/null 2>>"$T/imaged.log" &
	SPID=$!
	PIDS="$PIDS $SPID"
	n=0
	while [ ! -s "$T/url" ]; do
		n=$((n + 1))
		if [ $n -gt 500 ] || ! kill -0 "$SPID" 2>/dev/null; then
			echo "renditions.sh: imaged did not start" >&2
			cat "$T/imaged.log" >&2
			exit 1
		fi
		sleep 0.01
	done
	SURL=$(cat "$T/url")
}

start_imaged --render-workers "$CPUS"
note "imaged: $SURL, render_workers $CPUS"
: >"$T/ids"
i=0
while [ $i -lt 8 ]; do
	curl -s -X POST -H 'Content-Type: image/jpeg' --data-binary \
	    @"$T/photo.jpg" "$SURL/images?user_id=bench&filename=p$i.jpg" |
	    sed -n 's/.*"image_id": *"\([^"]*\)".*/\1/p' >>"$T/ids"
	i=$((i + 1))
done
[ "$(wc -l <"$T/ids")" -eq 8 ] || { echo "uploads failed" >&2; exit 1; }

# --- 1: thumbnails per second per core ------------------------------------------
#
# vipsthumbnail: one process per core, each with one libvips thread, as
# imaged's render threads are.  imaged: every request a rendition not yet
# made (q varies), 2 clients per core so its render threads stay busy.

note "vipsthumbnail: $RENDERS thumbnails on $CPUS processes"
per=$(( (RENDERS + CPUS - 1) / CPUS ))
t0=$(now)
VPIDS=""
p=0
while [ $p -lt "$CPUS" ]; do
	(
		k=0
		while [ $k -lt $per ]; do
			VIPS_CONCURRENCY=1 vipsthumbnail "$T/photo.jpg" --size 256 \
			    -o "$T/vt-$p-$k.webp[Q=80,strip]" || exit 1
			k=$((k + 1))
		done
	) &
	VPIDS="$VPIDS $!"
	p=$((p + 1))
done
# Not a bare wait: imaged is a child of this shell too.
for p in $VPIDS; do
	wait "$p"
done
t1=$(now)
vt_n=$((per * CPUS))
vt_rate=$(calc 'n / (b - a) / c' -v n=$vt_n -v a="$t0" -v b="$t1" -v c="$CPUS")
vipsheader "$T/vt-0-0.webp" >/dev/null 2>&1 || note "vipsthumbnail made no WebP"

note "imaged: $RENDERS renditions (w=256, WebP) by $((2 * CPUS)) clients"
k=0
while [ $k -lt "$RENDERS" ]; do
	id=$(sed -n "$((k % 8 + 1))p" "$T/ids")
	echo "$SURL/images/$id?download=true&w=256&format=webp&q=$((k / 8 + 1))"
	k=$((k + 1))
done >"$T/urls"
t0=$(now)
xargs -P $((2 * CPUS)) -n 1 curl -s -o /dev/null -w '%{http_code}\n' \
    <"$T/urls" >"$T/codes"
t1=$(now)
ok=$(grep -c '^200$' "$T/codes")
[ "$ok" -eq "$RENDERS" ] || note "imaged: only $ok of $RENDERS answered 200:" \
    "$(sort "$T/codes" | uniq -c | tr '\n' ' ')"
im_rate=$(calc 'n / (b - a) / c' -v n="$ok" -v a="$t0" -v b="$t1" -v c="$CPUS")
row "256px WebP of 12 MP JPEG, per core" "$im_rate/s" "$vt_rate/s" \
    "$(calc 'a / b' -v a="$im_rate" -v b="$vt_rate")" ">= 1.0"

# --- 2: a kept rendition's GET rate against nginx ----------------------------

ID=$(head -n 1 "$T/ids")
RURL="$SURL/images/$ID?download=true&w=256&format=webp&q=1"
curl -s -o "$T/kept.webp" "$RURL"
mkdir -p "$T/www" "$T/nginx"
cp "$T/kept.webp" "$T/www/kept.webp"
NPORT=""
if [ $HAVE_WRK = 1 ] && [ $HAVE_NGINX = 1 ]; then
	user=""
	[ "$(id -u)" = 0 ] && user="user $(id -un);"
	NPORT=$(awk 'BEGIN { srand(); print 20000 + int(rand() * 20000) }')
	cat >"$T/nginx/nginx.conf" <<EOF
$user
worker_processes $CPUS;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 1024; }
http {
	types { image/webp webp; }
	access_log $T/nginx/access.log;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server { listen 127.0.0.1:$NPORT; root $T/www; }
}
EOF
	"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" \
	    -e "$T/nginx/error.log" 2>>"$T/nginx/error.log" &
	NGPID=$!
	PIDS="$PIDS $NGPID"
	n=0
	until curl -s -o "$T/ng.webp" "http://127.0.0.1:$NPORT/kept.webp"; do
		n=$((n + 1))
		[ $n -lt 200 ] && kill -0 $NGPID 2>/dev/null || { NPORT=""; break; }
		sleep 0.01
	done
fi
if [ -n "$NPORT" ]; then
	cmp -s "$T/ng.webp" "$T/kept.webp" || note "nginx serves other bytes"
	note "kept rendition ($(wc -c <"$T/kept.webp") B): wrk -t2 -c32," \
	    "${SLICE}s slices x $ROUNDS"
	im=0
	ng=0
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		r=$((r + 1))
		a=$(wrk -t2 -c32 -d"${SLICE}s" "http://127.0.0.1:$NPORT/kept.webp" |
		    awk '/^Requests\/sec/ { print $2 }')
		b=$(wrk -t2 -c32 -d"${SLICE}s" "$RURL" |
		    awk '/^Requests\/sec/ { print $2 }')
		ng=$(calc 'x + y' -v x="$ng" -v y="${a:-0}")
		im=$(calc 'x + y' -v x="$im" -v y="${b:-0}")
	done
	ng=$(calc 'x / r' -v x="$ng" -v r="$ROUNDS")
	im=$(calc 'x / r' -v x="$im" -v r="$ROUNDS")
	row "kept rendition GET -c32 vs nginx" "$im req/s" "$ng req/s" \
	    "$(calc 'a / b' -v a="$im" -v b="$ng")" ">= 0.8"
else
	row "kept rendition GET vs nginx" n/a n/a n/a ">= 0.8"
fi

# --- 3: RSS while 8 clients ask for renditions of 12 MP images ---------------

rss() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$SPID/status"
}
idle=$(rss)
note "RSS: 8 clients, each 12 renditions (w=1024..1035, WebP) of its own image"
CPIDS=""
c=0
while [ $c -lt 8 ]; do
	(
		id=$(sed -n "$((c + 1))p" "$T/ids")
		k=0
		while [ $k -lt 12 ]; do
			curl -s -o /dev/null \
			    "$SURL/images/$id?download=true&w=$((1024 + k))&format=webp"
			k=$((k + 1))
		done
	) &
	CPIDS="$CPIDS $!"
	c=$((c + 1))
done
peak=$idle
running=1
while [ $running = 1 ]; do
	v=$(rss)
	[ "${v:-0}" -gt "$peak" ] && peak=$v
	sleep 0.05
	running=0
	for p in $CPIDS; do
		kill -0 "$p" 2>/dev/null && running=1
	done
done
for p in $CPIDS; do
	wait "$p"
done
row "RSS, 8 clients rendering 12 MP (peak / idle)" "$((peak / 1024)) MiB" \
    "$((idle / 1024)) MiB idle" "+$(( (peak - idle) / 1024 )) MiB" bounded

echo
awk -F '\t' '
BEGIN { printf "%-46s %-16s %-18s %-10s %s\n", "figure", "imaged", "ceiling",
    "ratio", "target" }
{ printf "%-46s %-16s %-18s %-10s %s\n", $1, $2, $3, $4, $5 }
' "$T/table"
