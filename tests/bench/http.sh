#!/bin/sh
# http.sh: imaged's HTTP-level benchmarks.  Each figure is measured against
# a ceiling taken in the same run on the same machine (nginx serving the
# same bytes, bare fsync and SQLite programs in the same file system), and
# printed as a ratio beside its target from PERFORMANCE.md.  Prints figures;
# asserts nothing.
#
#	IMAGED=build/imaged sh tests/bench/http.sh
#
# A figure and its ceiling are measured in interleaved slices of SLICE
# seconds (ROUNDS of each), so that the load a shared machine's neighbours
# put on the disk and CPUs falls on both alike.  Both servers log one line
# per request to a file.  Everything lives in one temporary directory,
# removed at exit, and every process started here is stopped.
#
# Environment: IMAGED (the daemon), BENCH_TOOLS (where hload and ceiling
# are; default: benchtools/ beside IMAGED), BENCH_SLICE (whole seconds,
# default 1), BENCH_ROUNDS (default 4), BENCH_ONLY=metrics (only the
# metrics-overhead figure, 9), BENCH_CLIENTS (the numbers of concurrent
# uploaders and deleters; default "1 2 8", and 2 must be one).

set -u

IMAGED=${IMAGED:-build/imaged}
TOOLS=${BENCH_TOOLS:-$(dirname "$IMAGED")/benchtools}
HLOAD=$TOOLS/hload
CEILING=$TOOLS/ceiling
SLICE=${BENCH_SLICE:-1}
ROUNDS=${BENCH_ROUNDS:-4}
CLIENTS=${BENCH_CLIENTS:-1 2 8}
KIB=1024
MIB=1048576

for f in "$IMAGED" "$HLOAD" "$CEILING"; do
	if [ ! -x "$f" ]; then
		echo "http.sh: $f not built" >&2
		exit 1
	fi
done
HAVE_WRK=1
HAVE_NGINX=1
command -v wrk >/dev/null 2>&1 || HAVE_WRK=0
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || HAVE_NGINX=0
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
if [ $HAVE_WRK = 0 ] || [ $HAVE_NGINX = 0 ]; then
	echo "http.sh: wrk or nginx missing (apt-get install -y wrk nginx);" \
	    "their figures print n/a" >&2
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/imaged-bench.XXXXXX") || exit 1
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

# --- helpers ----------------------------------------------------------------

note() {
	printf '  %s\n' "$*" >&2
}

# calc EXPR [VAR=VALUE ...]: prints EXPR computed by awk.
calc() {
	expr=$1
	shift
	awk "$@" "BEGIN { printf \"%.2f\", $expr }"
}

# start_imaged NAME ARGS...: sets SPID and SURL.
start_imaged() {
	name=$1
	shift
	rm -f "$T/$name.url"
	"$IMAGED" --port 0 --url-file "$T/$name.url" "$@" \
	    >/dev/null 2>>"$T/$name.log" &
	SPID=$!
	PIDS="$PIDS $SPID"
	n=0
	while [ ! -s "$T/$name.url" ]; do
		n=$((n + 1))
		if [ $n -gt 500 ] || ! kill -0 "$SPID" 2>/dev/null; then
			echo "http.sh: imaged did not start:" >&2
			cat "$T/$name.log" >&2
			exit 1
		fi
		sleep 0.01
	done
	SURL=$(cat "$T/$name.url")
}

stop_pid() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	rest=""
	for p in $PIDS; do
		[ "$p" = "$1" ] || rest="$rest $p"
	done
	PIDS=$rest
}

proc_kib() {	# proc_kib PID FIELD
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# wrk_rps URL CONNS [SCRIPT]: requests per second of one slice ("" on
# failure).
wrk_rps() {
	wrk -t2 -c"$2" -d"${SLICE}s" --timeout 10s ${3:+-s "$3"} "$1" \
	    >"$T/wrk.out" 2>&1
	if grep -q 'Non-2xx' "$T/wrk.out"; then
		note "non-2xx answers from $1: $(grep 'Non-2xx' "$T/wrk.out")"
	fi
	awk '/^Requests\/sec/ { print $2 }' "$T/wrk.out"
}

# Accumulators: acc_add NAME RATE adds one slice; acc_median NAME is the
# median of its slices (one slice that a neighbour's build slowed moves
# it less than a mean).
acc_add() {
	[ -n "${2:-}" ] || return 0
	eval "_v_$1=\"\${_v_$1:-} $2\""
}
acc_median() {
	eval "v=\${_v_$1:-}"
	[ -n "$v" ] || { echo ""; return; }
	printf '%s\n' $v | sort -g | awk '{ a[NR] = $1 }
	END { printf "%.2f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# hload results "RATE MBS OK BAD STATUS SECONDS" add up as counts and time.
up_add() {	# up_add NAME "hload output"
	set -- "$1" $2
	[ $# -ge 7 ] || return 0
	eval "_ok_$1=\$(( \${_ok_$1:-0} + $4 ))"
	eval "_bad_$1=\$(( \${_bad_$1:-0} + $5 ))"
	[ "$6" = 0 ] || eval "_st_$1=$6"
	eval "_t_$1=\$(calc 'a + b' -v a=\"\${_t_$1:-0}\" -v b=$7)"
}
up_rate() {	# up_rate NAME: 2xx answers per second over all its slices
	eval "ok=\${_ok_$1:-0} t=\${_t_$1:-0} bad=\${_bad_$1:-0}" \
	    "st=\${_st_$1:-0}"
	if [ "$bad" != 0 ]; then
		note "$1: $bad answers not 2xx (last status $st)"
	fi
	if [ "$ok" = 0 ]; then echo ""; else calc 'o / t' -v o="$ok" -v t="$t"; fi
}

# num VALUE: a figure for the table, with fewer decimals as it grows.
num() {
	awk -v v="$1" 'BEGIN { printf (v >= 100 ? "%.0f" : "%.2f"), v }'
}

# yesno EXPR VAR=VALUE...: "yes" if the awk EXPR holds, else "NO".
yesno() {
	expr=$1
	shift
	awk "$@" "BEGIN { print (($expr) ? \"yes\" : \"NO\") }"
}

# row FIGURE IMAGED CEILING RATIO TARGET OK: one line of the table.
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$T/table"
}

# ratio_row FIGURE A B UNIT OP LIMIT: a row comparing A to ceiling B.
ratio_row() {
	if [ -z "$2" ] || [ -z "$3" ]; then
		row "$1" "${2:-n/a}${2:+ $4}" "${3:-n/a}${3:+ $4}" n/a \
		    "$5 $6" -
		return
	fi
	r=$(calc 'a / b' -v a="$2" -v b="$3")
	met=$(yesno 'op == ">=" ? r >= l : r <= l' -v r="$r" -v l="$6" \
	    -v op="$5")
	row "$1" "$(num "$2") $4" "$(num "$3") $4" "$r" "$5 $6" "$met"
}

# info_row FIGURE RATE SIZE: uploads/s and image MB/s, no target.
info_row() {
	if [ -z "$2" ]; then
		row "$1" n/a - - - -
		return
	fi
	row "$1" "$(num "$2")/s, $(num "$(calc 'r * s / 1e6' -v r="$2" \
	    -v s="$3")") MB/s" - - - -
}

print_table() {
	echo
	awk -F '\t' '
	BEGIN {
		printf "%-46s %-22s %-18s %-13s %-10s %s\n", "figure",
		    "imaged", "ceiling", "ratio", "target", "met"
	}
	{ printf "%-46s %-22s %-18s %-13s %-10s %s\n", $1, $2, $3, $4, $5, $6 }
	' "$T/table"
}

# --- 9: the cost of the metrics ---------------------------------------------

# GET by id on two daemons alike but for the setting metrics, measured in
# interleaved slices (the order alternating by round): the counters' cost
# is the ratio of the two rates.
metrics_overhead() {
	if [ $HAVE_WRK = 0 ]; then
		row "9 GET /images/{id} -c32, metrics on vs off" n/a n/a n/a \
		    ">= 0.97" -
		return
	fi
	note "metrics: GET by id with the counters on and off (wrk -t2 -c32)"
	for m in on off; do
		start_imaged "metrics-$m" --data-dir "$T/metrics-$m" --metrics $m
		eval "MPID_$m=\$SPID"
		id=$(curl -s -X POST -H 'Content-Type: image/jpeg' \
		    --data-binary @"$T/small.jpg" \
		    "$SURL/images?user_id=m&filename=m.jpg" |
		    sed -n 's/.*"image_id": *"\([^"]*\)".*/\1/p')
		eval "MURL_$m=\$SURL/images/\$id"
	done
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		r=$((r + 1))
		if [ $((r % 2)) = 1 ]; then order="on off"; else order="off on"; fi
		for m in $order; do
			eval "u=\$MURL_$m"
			acc_add "get_m$m" "$(wrk_rps "$u" 32)"
		done
	done
	stop_pid "$MPID_on"
	stop_pid "$MPID_off"
	on=$(acc_median get_mon)
	off=$(acc_median get_moff)
	ratio_row "9 GET /images/{id} -c32, metrics on vs off" "$on" "$off" \
	    req/s ">=" 0.97
	[ -n "$on" ] && [ -n "$off" ] && note "metrics: on $on req/s," \
	    "off $off req/s, overhead $(calc '(1 - a / b) * 100' -v a="$on" \
	    -v b="$off")%"
}

# --- inputs -----------------------------------------------------------------

# A JPEG start of image and APP0 marker, then filler that is not
# compressible (imaged checks the magic bytes, not the rest).
jpeg() {	# jpeg FILE SIZE
	{
		printf '\377\330\377\340\000\020JFIF\000'
		head -c $(($2 - 11)) /dev/urandom
	} >"$1"
}
json_body() {	# json_body IMAGE FILE
	{
		printf '{"user_id": "bench", "filename": "b.jpg", "image_data": "'
		base64 -w0 "$1"
		printf '"}'
	} >"$2"
}
BOUNDARY=imagedbenchboundary7MA4YWxkTrZu0gW
multipart_body() {	# multipart_body IMAGE FILE
	{
		printf -- '--%s\r\n' $BOUNDARY
		printf 'Content-Disposition: form-data; name="user_id"\r\n\r\n'
		printf 'bench\r\n--%s\r\n' $BOUNDARY
		printf 'Content-Disposition: form-data; name="file";'
		printf ' filename="b.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
		cat "$1"
		printf '\r\n--%s--\r\n' $BOUNDARY
	} >"$2"
}
MPTYPE="multipart/form-data; boundary=$BOUNDARY"
RAWPATH="/images?user_id=bench&filename=b.jpg"

jpeg "$T/small.jpg" 2048
jpeg "$T/b100k.jpg" $((100 * KIB))
jpeg "$T/b1m.jpg" $MIB
jpeg "$T/b5m.jpg" $((5 * MIB))
jpeg "$T/b10m.jpg" $((10 * MIB))
json_body "$T/b100k.jpg" "$T/b100k.json"
json_body "$T/b5m.jpg" "$T/b5m.json"
multipart_body "$T/small.jpg" "$T/small.mp"
multipart_body "$T/b100k.jpg" "$T/b100k.mp"
multipart_body "$T/b5m.jpg" "$T/b5m.mp"
mkdir -p "$T/www" "$T/nginx" "$T/ceiling"
: >"$T/table"

echo "http.sh: imaged $("$IMAGED" --version 2>/dev/null | head -n 1)," \
    "$(nproc) CPUs, ${SLICE}s slices x $ROUNDS rounds, data in $T"

metrics_overhead
if [ "${BENCH_ONLY:-}" = metrics ]; then
	print_table
	exit 0
fi

start_imaged main --data-dir "$T/data"
URL=$SURL
MAIN=$SPID

# --- 1-3: reads against nginx -----------------------------------------------

"$HLOAD" upload "$URL" "/images?user_id=reader&filename=r.jpg" image/jpeg \
    "$T/small.jpg" 4 25 "$T/reader.ids" >/dev/null
"$HLOAD" upload "$URL" "/images?user_id=dl&filename=big.jpg" image/jpeg \
    "$T/b1m.jpg" 1 1 "$T/dl.ids" >/dev/null
# 1000 more, read in turn: no read finds its record in imaged's memory
# of recent reads, so they measure the catalog itself.
"$HLOAD" upload "$URL" "/images?user_id=many&filename=m.jpg" image/jpeg \
    "$T/small.jpg" 4 250 "$T/many.ids" >/dev/null
cat >"$T/many.lua" <<EOF
ids = {}
for line in io.lines("$T/many.ids") do ids[#ids + 1] = line end
n = 0
request = function()
	n = n + 1
	return wrk.format(nil, "/images/" .. ids[n % #ids + 1])
end
EOF
ID=$(head -n 1 "$T/reader.ids")
DLID=$(head -n 1 "$T/dl.ids")
curl -s -o "$T/www/record.json" "$URL/images/$ID"
cp "$T/b1m.jpg" "$T/www/big.jpg"
DLURL=$(curl -s "$URL/images/$DLID" |
    sed -n 's/.*"download_url": *"\([^"]*\)".*/\1/p')
GETURL="$URL/images/$ID"
LISTURL="$URL/images?user_id=reader&limit=20"
if curl -s -D - -o /dev/null "$GETURL" | grep -qi '^connection: *close'
then
	note "imaged answers GET with Connection: close (no keep-alive)"
fi
note "record: $(wc -c <"$T/www/record.json") B;" \
    "list page: $(curl -s "$LISTURL" | wc -c) B;" \
    "signed download: $(curl -s -o /dev/null \
    -w '%{http_code} %{size_download} B' "$DLURL")"

NPORT=""
if [ $HAVE_NGINX = 1 ]; then
	user=""
	[ "$(id -u)" = 0 ] && user="user $(id -un);"
	for try in 1 2 3; do
		NPORT=$("$HLOAD" freeport)
		cat >"$T/nginx/nginx.conf" <<EOF
$user
worker_processes $(nproc);
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 1024; }
http {
	types { application/json json; image/jpeg jpg; }
	default_type application/octet-stream;
	access_log $T/nginx/access.log;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$NPORT;
		root $T/www;
	}
}
EOF
		"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" \
		    -e "$T/nginx/error.log" 2>>"$T/nginx/error.log" &
		NGPID=$!
		PIDS="$PIDS $NGPID"
		n=0
		until curl -s -o /dev/null "http://127.0.0.1:$NPORT/record.json"
		do
			n=$((n + 1))
			kill -0 $NGPID 2>/dev/null && [ $n -lt 200 ] || break
			sleep 0.01
		done
		if curl -s -o /dev/null "http://127.0.0.1:$NPORT/record.json"
		then
			break
		fi
		stop_pid $NGPID
		NPORT=""
	done
	NGURL=http://127.0.0.1:$NPORT
	if [ -z "$NPORT" ]; then
		note "nginx did not start: $(tail -n 3 "$T/nginx/error.log")"
	else
		curl -s -o "$T/nginx.json" "$NGURL/record.json"
		cmp -s "$T/www/record.json" "$T/nginx.json" ||
		    note "nginx does not serve the record's bytes"
	fi
fi

if [ $HAVE_WRK = 1 ]; then
	note "reads: GET by id, list page, 1 MiB download (wrk -t2)"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		r=$((r + 1))
		if [ -n "$NPORT" ]; then
			acc_add ngjson "$(wrk_rps "$NGURL/record.json" 32)"
		fi
		acc_add get "$(wrk_rps "$GETURL" 32)"
		acc_add many "$(wrk_rps "$GETURL" 32 "$T/many.lua")"
		acc_add list "$(wrk_rps "$LISTURL" 32)"
		if [ -n "$NPORT" ]; then
			acc_add ngfile "$(wrk_rps "$NGURL/big.jpg" 16)"
		fi
		acc_add dl "$(wrk_rps "$DLURL" 16)"
	done
	GET=$(acc_median get)
	ratio_row "1 GET /images/{id} -c32 vs nginx" "$GET" \
	    "$(acc_median ngjson)" req/s ">=" 1.0
	many=$(acc_median many)
	ngj=$(acc_median ngjson)
	if [ -n "$many" ] && [ -n "$ngj" ]; then
		row "1 GET by id, 1000 ids in turn vs nginx" \
		    "$(num "$many") req/s" "$(num "$ngj") req/s" \
		    "$(calc 'a / b' -v a="$many" -v b="$ngj")" - -
	fi
	ratio_row "2 GET /images?user_id (20) vs GET by id" \
	    "$(acc_median list)" "$GET" req/s ">=" 0.5
	dlm=$(acc_median dl)
	ngm=$(acc_median ngfile)
	ratio_row "3 signed download 1 MiB -c16 vs nginx" \
	    "${dlm:+$(calc 'r * m / 1e6' -v r="$dlm" -v m=$MIB)}" \
	    "${ngm:+$(calc 'r * m / 1e6' -v r="$ngm" -v m=$MIB)}" MB/s ">=" 0.8
else
	row "1 GET /images/{id} vs nginx" n/a n/a n/a ">= 1.0" -
	row "2 GET /images?user_id (20) vs GET by id" n/a n/a n/a ">= 0.5" -
	row "3 signed download 1 MiB vs nginx" n/a n/a n/a ">= 0.8" -
fi
if [ -n "$NPORT" ]; then
	stop_pid $NGPID
fi

# --- 4, 5, 8: durable uploads against the bare fsync ceiling -----------------

MP=0
MPLABEL=""
MPST=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    -H "Content-Type: $MPTYPE" --data-binary @"$T/small.mp" "$URL/images")
if [ "$MPST" = 201 ]; then
	MP=1
	MPLABEL=", multipart"
else
	note "multipart upload answers $MPST: its figures print n/a"
fi

# upload NAME CLIENTS CTYPE PATH BODY: one slice, ids kept for deletes.
upload() {
	up_add "$1" "$("$HLOAD" upload "$URL" "$4" "$3" "$5" "$2" "${SLICE}s" \
	    "$T/ids.$1.$r")"
}

note "uploads of 100 KiB: raw, JSON base64$MPLABEL; $CLIENTS clients"
for c in $CLIENTS; do
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		r=$((r + 1))
		acc_add ceil$c "$("$CEILING" fsync "$T/ceiling" $((100 * KIB)) \
		    $c "$SLICE")"
		rm -rf "$T/ceiling" && mkdir "$T/ceiling"
		upload raw$c $c image/jpeg "$RAWPATH" "$T/b100k.jpg"
		upload json$c $c application/json /images "$T/b100k.json"
		if [ $MP = 1 ]; then
			upload mp$c $c "$MPTYPE" /images "$T/b100k.mp"
		fi
	done
done
for c in $CLIENTS; do
	ceil=$(acc_median ceil$c)
	cl="$c client"
	[ $c = 1 ] || cl="${cl}s"
	ratio_row "4 raw upload 100 KiB, $cl vs fsync" \
	    "$(up_rate raw$c)" "$ceil" /s ">=" 0.67
	ratio_row "5 JSON upload 100 KiB, $cl vs fsync" \
	    "$(up_rate json$c)" "$ceil" /s ">=" 0.5
done

# What the catalog writes per upload: the bytes the daemon sent to storage
# (write_bytes of /proc/PID/io: the WAL, checkpoints into the database,
# the log) over 200 one-client raw uploads, less the images' own bytes.
if [ -r "/proc/$MAIN/io" ]; then
	wb0=$(awk '$1 == "write_bytes:" { print $2 }' "/proc/$MAIN/io")
	"$HLOAD" upload "$URL" "$RAWPATH" image/jpeg "$T/b100k.jpg" 1 200 \
	    >/dev/null
	wb1=$(awk '$1 == "write_bytes:" { print $2 }' "/proc/$MAIN/io")
	row "4 catalog bytes written per raw upload" \
	    "$(calc '(b - a) / 200 - s' -v a="$wb0" -v b="$wb1" \
	    -v s="$(wc -c <"$T/b100k.jpg")" | sed 's/\..*//') B" - - - -
fi

note "uploads of 5 MiB, 2 clients"
r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	acc_add ceil5m "$("$CEILING" fsync "$T/ceiling" $((5 * MIB)) 2 \
	    "$SLICE")"
	rm -rf "$T/ceiling" && mkdir "$T/ceiling"
	upload raw5m 2 image/jpeg "$RAWPATH" "$T/b5m.jpg"
	upload json5m 2 application/json /images "$T/b5m.json"
	if [ $MP = 1 ]; then
		upload mp5m 2 "$MPTYPE" /images "$T/b5m.mp"
	fi
done

# --- 6: deletes against bare SQLite commits ---------------------------------

# The 100 KiB uploads' images, oldest first.
for c in $CLIENTS; do
	cat "$T"/ids.raw$c.* "$T"/ids.json$c.* "$T"/ids.mp$c.* 2>/dev/null
done >"$T/ids.all"
NIDS=$(wc -l <"$T/ids.all")
CHUNK=$((NIDS / (ROUNDS * $(echo $CLIENTS | wc -w))))
note "deletes: $NIDS ids from the uploads, $CLIENTS clients"
r=0
k=0
while [ $r -lt "$ROUNDS" ] && [ $CHUNK -gt 0 ]; do
	r=$((r + 1))
	acc_add sqlite "$("$CEILING" sqlite "$T/ceiling" "$SLICE")"
	for c in $CLIENTS; do
		sed -n "$((k * CHUNK + 1)),$(((k + 1) * CHUNK))p" "$T/ids.all" \
		    >"$T/ids.del"
		k=$((k + 1))
		up_add del$c \
		    "$("$HLOAD" delete "$URL" "$T/ids.del" $c "$SLICE")"
	done
done
rm -rf "$T/ceiling"
stop_pid $MAIN
# Restarts on the folder the uploads filled.
RESTART=$("$HLOAD" startup "$IMAGED" "$T" 5 "$T/data")
for c in $CLIENTS; do
	cl="$c client"
	[ $c = 1 ] || cl="${cl}s"
	ratio_row "6 delete, $cl vs SQLite commits" \
	    "$(up_rate del$c)" "$(acc_median sqlite)" /s ">=" 0.5
done

# --- 7: start-up and idle memory --------------------------------------------

note "start to first 200 on /healthz (median of 5, min-max), idle RSS"
mkdir -p "$T/startup"
set -- $RESTART
if [ $# -ge 4 ]; then
	row "7 start to first 200, existing data dir" "$1 ms ($2-$3)" - - \
	    "< 10 ms" "$(yesno 'a < 10' -v a="$1")"
fi
# A fresh --ephemeral folder is made and its database created first: no
# target, a figure for comparison.
set -- $("$HLOAD" startup "$IMAGED" "$T/startup" 5)
if [ $# -ge 4 ]; then
	row "7 start to first 200, fresh --ephemeral" "$1 ms ($2-$3)" - - \
	    - -
	row "7 idle RSS" "$(calc 'k / 1024' -v k="$4") MiB" - - "< 8 MiB" \
	    "$(yesno 'k < 8192' -v k="$4")"
else
	row "7 start to first 200" n/a - - "< 10 ms" -
	row "7 idle RSS" n/a - - "< 8 MiB" -
fi

# --- 8: memory while uploading, and upload throughput by form ---------------

note "memory: 8 concurrent 10 MiB raw uploads on a fresh daemon"
start_imaged mem --data-dir "$T/mem"
curl -s -o /dev/null "$SURL/healthz"
sleep 0.2
idle=$(proc_kib "$SPID" VmRSS)
set -- $("$HLOAD" upload "$SURL" "$RAWPATH" image/jpeg "$T/b10m.jpg" 8 \
    "$((SLICE + 1))s")
peak=$(proc_kib "$SPID" VmHWM)
stop_pid $SPID
if [ $# -ge 6 ] && [ "$3" -gt 0 ]; then
	[ "$4" = 0 ] || note "10 MiB uploads: $4 answers not 2xx (last $5)"
	grow=$(calc '(p - i) / 1024' -v p="$peak" -v i="$idle")
	row "8 peak RSS - idle, 8 x 10 MiB raw uploads" "$grow MiB" \
	    "-" "-" "<= 16 MiB" "$(yesno 'g <= 16' -v g="$grow")"
	note "memory: idle $(calc 'i / 1024' -v i="$idle") MiB," \
	    "peak $(calc 'p / 1024' -v p="$peak") MiB"
	info_row "8 raw upload 10 MiB, 8 clients" "$1" $((10 * MIB))
else
	row "8 peak RSS - idle, 8 x 10 MiB raw uploads" n/a - - "<= 16 MiB" -
fi
for form in raw json mp; do
	label=$form
	[ $form = mp ] && label=multipart
	[ $form = json ] && label="JSON base64"
	if [ $form = mp ] && [ $MP = 0 ]; then
		row "8 $label upload 100 KiB / 5 MiB" "n/a ($MPST)" - - - -
		continue
	fi
	info_row "8 $label upload 100 KiB, 2 clients" "$(up_rate ${form}2)" \
	    $((100 * KIB))
	info_row "8 $label upload 5 MiB, 2 clients" "$(up_rate ${form}5m)" \
	    $((5 * MIB))
done
c5=$(acc_median ceil5m)
info_row "8 bare fsync ceiling 5 MiB, 2 clients" "$c5" $((5 * MIB))

# --- the table --------------------------------------------------------------

print_table
