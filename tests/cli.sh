#!/bin/sh
# The binary as a user meets it: flags, settings and their precedence,
# the data folder it makes, restarts, signals.
. "$(dirname "$0")/lib.sh"

# One line on stderr, naming the setting, and a failed exit.
refused() {
	want=$1
	shift
	if "$IMAGED" "$@" > "$work/out" 2> "$work/err"; then
		return 1
	fi
	[ "$(wc -l < "$work/err")" -eq 1 ] && grep -q -- "$want" "$work/err"
}

code() {
	curl -s -o /dev/null -w '%{http_code}' "$@"
}

check "--help lists settings" sh -c "'$IMAGED' --help | grep -q -- --max-file-size"
for c in check token export import backup; do
	check "--help lists the $c command" sh -c \
	    "'$IMAGED' --help | grep -q '^  $c '"
done
check "unknown command names the commands" sh -c \
    "'$IMAGED' frob 2> '$work/err'; [ \$? = 2 ] &&
    grep -q 'unknown command \"frob\" (commands: check, token, export, import, backup)' '$work/err'"
check "--version" sh -c "'$IMAGED' --version | grep -q '^imaged [0-9]'"
check "bad port refused" refused port --port 70000
check "unknown flag refused" refused --frobnicate --frobnicate
check "bad env names it" sh -c "IMAGED_MAX_FILE_SIZE=ten '$IMAGED' 2>&1 | grep -q IMAGED_MAX_FILE_SIZE"
printf 'port = 0\nprot = 1\n' > "$work/bad.conf"
check "bad config key names file and line" refused "bad.conf:2" -c "$work/bad.conf"

# Precedence: default < file < environment < flag.
printf '# test\nstage = fromfile\n' > "$work/imaged.conf"
start_daemon --ephemeral -c "$work/imaged.conf"
check "stage from file" [ "$(code "$BASE/fromfile/healthz")" = 200 ]
stop_daemon
IMAGED_STAGE=fromenv start_daemon --ephemeral -c "$work/imaged.conf"
check "environment beats file" [ "$(code "$BASE/fromenv/healthz")" = 200 ]
stop_daemon
IMAGED_STAGE=fromenv start_daemon --ephemeral -c "$work/imaged.conf" --stage fromflag
check "flag beats environment" [ "$(code "$BASE/fromflag/healthz")" = 200 ]
check "stopped with SIGTERM exits 0" stop_daemon

# The data folder, made at first start.
data="$work/data"
mkdir -p "$data/tmp"
: > "$data/tmp/up-0123456789abcdef0123456789abcdef.part"
start_daemon --data-dir "$data"
check "database made" [ -f "$data/imaged.db" ]
check "bucket made" [ -d "$data/image-storage-bucket" ]
check "signing key mode 0600" [ "$(stat -c %a "$data/signing.key")" = 600 ]
check "signing key 32 bytes" [ "$(stat -c %s "$data/signing.key")" = 32 ]
check "crash leftovers swept" [ ! -e "$data/tmp/up-0123456789abcdef0123456789abcdef.part" ]
rec=$(curl -s -X POST "$BASE/images?user_id=u1&filename=pic.gif" \
    -H 'Content-Type: image/gif' --data-binary @data/sample.gif)
id=$(echo "$rec" | sed -n 's/.*"image_id": "\([0-9a-f-]*\)".*/\1/p')
url=$(echo "$rec" | sed -n 's/.*"download_url": "\([^"]*\)".*/\1/p')
check "uploaded" [ -n "$id" ]
check "file under its S3 key" [ -f "$data/image-storage-bucket/images/u1/$id.gif" ]
check "stops with 0" stop_daemon

# Private by default: folders 0700, images and database 0600.
mode() { stat -c %a "$1"; }
priv="$work/priv/data"
start_daemon --data-dir "$priv"
curl -s -o /dev/null -X POST "$BASE/images?user_id=u1&filename=p.gif" \
    -H 'Content-Type: image/gif' --data-binary @data/sample.gif
check "wal 0600" [ "$(mode "$priv/imaged.db-wal")" = 600 ]
stop_daemon
check "data dir 0700" [ "$(mode "$priv")" = 700 ]
check "folders above it made 0700 too" [ "$(mode "$work/priv")" = 700 ]
check "bucket folder 0700" [ "$(mode "$priv/image-storage-bucket")" = 700 ]
check "user folder 0700" [ "$(mode "$priv/image-storage-bucket/images/u1")" = 700 ]
check "temp folder 0700" [ "$(mode "$priv/tmp")" = 700 ]
check "image 0600" [ "$(stat -c %a "$priv"/image-storage-bucket/images/u1/*.gif)" = 600 ]
check "database 0600" [ "$(mode "$priv/imaged.db")" = 600 ]
check "key 0600" [ "$(mode "$priv/signing.key")" = 600 ]
# file_mode widens what is created, never the key.
wide="$work/wide"
start_daemon --data-dir "$wide" --file-mode 0644
curl -s -o /dev/null -X POST "$BASE/images?user_id=u2&filename=w.gif" \
    -H 'Content-Type: image/gif' --data-binary @data/sample.gif
check "wal 0644 with file_mode 0644" [ "$(mode "$wide/imaged.db-wal")" = 644 ]
stop_daemon
check "file_mode 0644: data dir 0755" [ "$(mode "$wide")" = 755 ]
check "file_mode 0644: database 0644" [ "$(mode "$wide/imaged.db")" = 644 ]
check "file_mode 0644: image 0644" [ "$(stat -c %a "$wide"/image-storage-bucket/images/u2/*.gif)" = 644 ]
check "file_mode 0644: user folder 0755" [ "$(mode "$wide/image-storage-bucket/images/u2")" = 755 ]
check "file_mode 0644: key still 0600" [ "$(mode "$wide/signing.key")" = 600 ]
check "file_mode 0666 refused" refused file-mode --file-mode 0666

# A key file others can read is used, with a warning.
chmod 644 "$data/signing.key"
start_daemon --data-dir "$data"
stop_daemon
check "loose key file warned about" grep -q 'signing key.*accessible to others' "$work/log"
chmod 600 "$data/signing.key"

# Everything survives a restart, signed URLs included.
start_daemon --data-dir "$data"
check "listed after restart" sh -c "curl -s '$BASE/images?user_id=u1' | grep -q '$id'"
path=${url#http://*/}
check "signed URL valid after restart" [ "$(code "$BASE/$path")" = 200 ]
curl -s "$BASE/$path" > "$work/got"
check "same bytes after restart" cmp -s "$work/got" data/sample.gif
stop_daemon

# --ephemeral removes its folder at exit.
start_daemon --ephemeral
eph=$(sed -n 's/.*data in \(.*\)$/\1/p' "$work/log" | tail -n 1)
check "ephemeral dir exists while running" [ -d "$eph" ]
stop_daemon
check "ephemeral dir removed at exit" [ ! -e "$eph" ]

# The URL file: written once the daemon answers, gone at a clean exit, and
# a stale one (a kill -9's) removed at once by the next start.
start_daemon --ephemeral
check "the URL answers as soon as the file is there" \
    [ "$(code "$(cat "$work/url")/healthz")" = 200 ]
stop_daemon
check "URL file removed at a clean exit" [ ! -e "$work/url" ]
echo "http://127.0.0.1:1" > "$work/url"
"$IMAGED" --ephemeral --port 0 --url-file "$work/url" \
    --listen 203.0.113.1 2>/dev/null
check "a start that fails leaves no stale URL file" [ ! -e "$work/url" ]

# --ephemeral dirs left by a kill -9 are removed by the next --ephemeral
# start once their owner is gone; a live owner's, and folders with no
# owner file, are left alone.
tmpd="$work/tmpdir"
mkdir "$tmpd"
TMPDIR="$tmpd" start_daemon --ephemeral
eph1=$(sed -n 's/.*data in \(.*\)$/\1/p' "$work/log" | tail -n 1)
kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=
check "a kill -9 leaves its ephemeral dir" [ -d "$eph1" ]
mkdir "$tmpd/imaged-nownr1"			# no owner file: not ours to judge
mkdir "$tmpd/imaged-reused"			# a live pid, another start time
echo "$$ 1" > "$tmpd/imaged-reused/ephemeral.owner"
TMPDIR="$tmpd" start_daemon --ephemeral
eph2=$(sed -n 's/.*data in \(.*\)$/\1/p' "$work/log" | tail -n 1)
pid2=$pid
check "the next start removed the dead owner's dir" [ ! -e "$eph1" ]
check "and the one whose pid was reused" [ ! -e "$tmpd/imaged-reused" ]
check "a dir with no owner file stays" [ -d "$tmpd/imaged-nownr1" ]
TMPDIR="$tmpd" "$IMAGED" --ephemeral --port 0 --url-file "$work/url2" 2>>"$work/log" &
pid3=$!
i=0
while [ ! -s "$work/url2" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
check "a live daemon's ephemeral dir stays" [ -d "$eph2" ]
kill -TERM "$pid3"; wait "$pid3"
check "second daemon removed its own URL file" [ ! -e "$work/url2" ]
pid=$pid2
stop_daemon
check "first daemon's dir removed at its exit" [ ! -e "$eph2" ]

# SIGTERM lets an upload in flight finish, then exits 0.
{ cat data/sample.png; head -c 300000 /dev/zero; } > "$work/slow.png"
start_daemon --ephemeral
curl -s -o "$work/slow.out" -w '%{http_code}' --limit-rate 200K \
    -H 'Content-Type: image/png' --data-binary @"$work/slow.png" \
    "$BASE/images?user_id=u1&filename=slow.png" > "$work/slow.code" &
cpid=$!
sleep 0.5
check "SIGTERM during an upload exits 0" stop_daemon
wait $cpid
check "the upload in flight finished" [ "$(cat "$work/slow.code")" = 201 ]

# A second SIGTERM ends it at once, whatever is in flight.
start_daemon --ephemeral
curl -s -o /dev/null --limit-rate 20K -H 'Content-Type: image/png' \
    --data-binary @"$work/slow.png" "$BASE/images?user_id=u1&filename=s.png" &
cpid=$!
sleep 0.3
kill -TERM "$pid"
sleep 0.3
check "first SIGTERM waits for the request" kill -0 "$pid"
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.01; i=$((i + 1)); done
check "second SIGTERM exits at once" [ $i -lt 100 ]
wait "$pid" 2>/dev/null
pid=
wait $cpid

# A port in use is one clear line.
start_daemon --ephemeral
port=${BASE##*:}
check "port in use refused" sh -c "'$IMAGED' --ephemeral --port $port 2>&1 | grep -q 'cannot listen'"
stop_daemon
finish
