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
# vipsthumbnail: one process per core, each with one libvips thread (as
# imaged's render threads have) and a list of sources, so that it starts
# once, not once per thumbnail.  imaged: wrk with 2 connections per core,
# every request a rendition not made yet (h does not bind, the width does,
# so each h is a new rendition of the same 256x192 picture).  The two take
# turns, ROUNDS times, so that a neighbour's load falls on both alike.

per=$(( (RENDERS / ROUNDS + CPUS - 1) / CPUS ))
isecs=$(( RENDERS / ROUNDS / 4 + 1 ))
note "256 px WebP: $ROUNDS rounds of $((per * CPUS)) vipsthumbnail" \
    "thumbnails on $CPUS processes, then ${isecs}s of imaged (wrk -c$((2 * CPUS)))"
vt_n=0
vt_s=0
im_n=0
im_s=0
r=0
while [ $r -lt "$ROUNDS" ]; do
	p=0
	while [ $p -lt "$CPUS" ]; do
		rm -rf "$T/vt$p"
		mkdir -p "$T/vt$p"
		k=0
		while [ $k -lt $per ]; do
			ln "$T/photo.jpg" "$T/vt$p/s$k.jpg"
			k=$((k + 1))
		done
		p=$((p + 1))
	done
	t0=$(now)
	VPIDS=""
	p=0
	while [ $p -lt "$CPUS" ]; do
		VIPS_CONCURRENCY=1 vipsthumbnail "$T/vt$p"/s*.jpg --size 256 \
		    -o "%s.webp[Q=80,strip]" &
		VPIDS="$VPIDS $!"
		p=$((p + 1))
	done
	# Not a bare wait: imaged is a child of this shell too.
	for p in $VPIDS; do
		wait "$p"
	done
	t1=$(now)
	made=$(ls "$T"/vt*/s*.webp 2>/dev/null | wc -l)
	vt_n=$((vt_n + made))
	vt_s=$(calc 'x + b - a' -v x="$vt_s" -v a="$t0" -v b="$t1")

	if [ $HAVE_WRK = 1 ]; then
		{
			printf 'ids = {'
			sed 's/.*/"&",/' "$T/ids" | tr -d '\n'
			printf '}\nround = %d\n' $r
			cat <<'LUA'
-- Each thread's own "base" (a global, set by setup), so that no two
-- threads ask for the same rendition.
local threads = 0
function setup(thread)
	thread:set("base", threads)
	threads = threads + 1
end
local n = 0
function request()
	n = n + 1
	local id = ids[(n % #ids) + 1]
	local h = 200 + round * 1200 + base * 600 + math.floor(n / #ids)
	return wrk.format("GET", "/images/" .. id ..
	    "?download=true&w=256&format=webp&h=" .. h)
end
LUA
		} >"$T/renders.lua"
		wrk -t2 -c$((2 * CPUS)) -d"${isecs}s" --timeout 30s \
		    -s "$T/renders.lua" "$SURL" >"$T/wrk-renders.out" 2>&1
		grep -q 'Non-2xx' "$T/wrk-renders.out" &&
		    note "$(grep 'Non-2xx' "$T/wrk-renders.out")"
		got=$(awk '/requests in/ { print $1 }' "$T/wrk-renders.out")
		im_n=$((im_n + ${got:-0}))
		im_s=$(calc 'x + s' -v x="$im_s" -v s="$isecs")
	fi
	r=$((r + 1))
done
vt_rate=$(calc 'n / s / c' -v n="$vt_n" -v s="$vt_s" -v c="$CPUS")
if [ $HAVE_WRK = 1 ]; then
	im_rate=$(calc 'n / s / c' -v n="$im_n" -v s="$im_s" -v c="$CPUS")
	row "256px WebP of 12 MP JPEG, per core" "$im_rate/s" "$vt_rate/s" \
	    "$(calc 'a / b' -v a="$im_rate" -v b="$vt_rate")" ">= 1.0"
else
	row "256px WebP of 12 MP JPEG, per core" n/a "$vt_rate/s" n/a ">= 1.0"
fi

# --- 2: a kept rendition's GET rate against nginx ----------------------------

# The signed URL a page would embed (<img src>), its rendition made once.
ID=$(head -n 1 "$T/ids")
RURL=$(curl -s "$SURL/images/$ID?rendition=w256:webp" |
    sed -n 's/.*"download_url": *"\([^"]*\)".*/\1/p')
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
	row "kept rendition, signed URL, -c32 vs nginx" "$im req/s" "$ng req/s" \
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
