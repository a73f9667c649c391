#!/bin/sh
# Faults turn into clean errors, never into a half-stored image: a file
# size limit hit mid-upload (507), a bucket that cannot be written (503,
# reads still served).
. "$(dirname "$0")/lib.sh"

stored() {
	find "$1/image-storage-bucket" -type f | wc -l
}

post() {
	curl -s -o "$work/body" -w '%{http_code}' -X POST \
	    "$BASE/images?user_id=u1&filename=$1" \
	    -H 'Content-Type: image/png' --data-binary @"$2"
}

{ cat data/sample.png; head -c 3000000 /dev/zero; } > "$work/big.png"

# A file size limit of 2 MB (RLIMIT_FSIZE): the big upload fails as it is
# written, the small one still passes.
data="$work/limited"
mkdir -p "$data"
rm -f "$work/url"
sh -c "ulimit -f 4096; exec '$IMAGED' --port 0 --url-file '$work/url' \
    --data-dir '$data'" 2>>"$work/log" &
pid=$!
i=0
while [ ! -s "$work/url" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
BASE=$(cat "$work/url")
check "over the file size limit: 507" [ "$(post big.png "$work/big.png")" = 507 ]
check "the error says storage" grep -q INSUFFICIENT_STORAGE "$work/body"
check "nothing stored" [ "$(stored "$data")" -eq 0 ]
check "no temp file left" [ "$(ls -A "$data/tmp" | wc -l)" -eq 0 ]
check "a small upload still passes" [ "$(post small.png data/sample.png)" = 201 ]
check "still serving" [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ]
stop_daemon

# A bucket that cannot be written, under a daemon that is not root (root
# writes anywhere): uploads 503, reads served.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	data="$work/ro"
	mkdir -p "$data"
	chmod 755 "$work"
	chown nobody "$data"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$IMAGED" --port 0 --url-file "$data/url" --data-dir "$data" \
	    2>>"$work/log" &
	pid=$!
	i=0
	while [ ! -s "$data/url" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
	BASE=$(cat "$data/url")
	check "upload before" [ "$(post a.png data/sample.png)" = 201 ]
	chmod 555 "$data/image-storage-bucket" "$data/image-storage-bucket/images" \
	    "$data/image-storage-bucket/images/u1" "$data/tmp"
	code=$(post b.png data/sample.png)
	check "read-only bucket: upload refused with 503 or 507" \
	    [ "$code" = 503 ] || [ "$code" = 507 ]
	check "reads still served" [ "$(curl -s "$BASE/images?user_id=u1" |
	    grep -o '"image_id"' | wc -l)" -eq 1 ]
	check "health says unavailable" [ "$(curl -s -o /dev/null -w '%{http_code}' \
	    "$BASE/healthz")" = 503 ]
	chmod 755 "$data/image-storage-bucket" "$data/image-storage-bucket/images" \
	    "$data/image-storage-bucket/images/u1" "$data/tmp"
	check "writable again: upload passes" [ "$(post c.png data/sample.png)" = 201 ]
	stop_daemon
fi
finish
