#!/bin/sh
# imaged check [--repair]: a store damaged by hand is reported, named,
# mended, and then clean.
. "$(dirname "$0")/lib.sh"

data="$work/data"
bucket="$data/image-storage-bucket"

upload() {
	curl -s -X POST "$BASE/images?user_id=u1&filename=$1" \
	    -H 'Content-Type: image/png' --data-binary @data/sample.png |
	    sed -n 's/.*"s3_key": "\([^"]*\)".*/\1/p'
}

start_daemon --data-dir "$data"
k1=$(upload one.png)
k2=$(upload two.png)
k3=$(upload three.png)
k4=$(upload four.png)
stop_daemon
check "four uploads" [ -n "$k4" ]

"$IMAGED" --data-dir "$data" check > "$work/out"
check "a sound store is clean" [ $? -eq 0 ]
check "clean says so" grep -q '^clean$' "$work/out"
check "rows counted" grep -q '^rows *4 ' "$work/out"

# Damage: a file gone, one cut short, one with other bytes of the same
# size, an orphan, and an old leftover temp file.
rm "$bucket/$k1"
head -c 50 data/sample.png > "$bucket/$k2"
{ head -c 60 data/sample.png; printf 'X'; tail -c +62 data/sample.png; } > "$bucket/$k3"
cp data/sample.png "$bucket/images/u1/0b5ae1d2-3f4a-4b6c-8d9e-0f1a2b3c4d5e.png"
cp data/sample.png "$bucket/images/u1/stray.png"
: > "$data/tmp/up-leftover.part"
touch -d '2 hours ago' "$bucket/images/u1/0b5ae1d2-3f4a-4b6c-8d9e-0f1a2b3c4d5e.png" \
    "$bucket/images/u1/stray.png" "$data/tmp/up-leftover.part"

start_daemon --data-dir "$data"
id1=$(basename "$k1" .png)
check "a missing file is 404" [ "$(curl -s -o "$work/err" -w '%{http_code}' \
    -H 'Accept: image/png' "$BASE/images/$id1?download=true")" = 404 ]
check "with a clear message" grep -q 'missing' "$work/err"
stop_daemon
# the start-up swept the old temp file and the orphans older than it
check "start-up swept the leftover temp file" [ ! -e "$data/tmp/up-leftover.part" ]
check "the background sweep removed orphans" \
    [ ! -e "$bucket/images/u1/stray.png" ]
cp data/sample.png "$bucket/images/u1/stray.png"
: > "$data/tmp/up-leftover.part"
touch -d '2 hours ago' "$bucket/images/u1/stray.png" "$data/tmp/up-leftover.part"

"$IMAGED" --data-dir "$data" check > "$work/out"
check "a damaged store is not clean" [ $? -eq 1 ]
check "missing named" grep -q "^missing *$k1" "$work/out"
check "size named" grep -q "^size *$k2" "$work/out"
check "checksum named" grep -q "^checksum *$k3" "$work/out"
check "orphan named" grep -q "^orphan *images/u1/stray.png" "$work/out"
check "counts" grep -q '^orphans *1 ' "$work/out"
check "temp counted" grep -q '^temp *1 ' "$work/out"

"$IMAGED" --data-dir "$data" check --repair > "$work/out"
check "repair exits 0" [ $? -eq 0 ]
"$IMAGED" --data-dir "$data" check > "$work/out"
check "clean after repair" [ $? -eq 0 ]
check "broken rows kept, quarantined" grep -q '^quarantined *3 ' "$work/out"
check "the sound row is left" grep -q '^rows *1 ' "$work/out"
check "orphan removed" [ ! -e "$bucket/images/u1/stray.png" ]
check "the damaged file stays for inspection" [ -e "$bucket/$k2" ]

start_daemon --data-dir "$data"
check "quarantined rows leave the listing" [ "$(curl -s "$BASE/images?user_id=u1" |
    grep -o '"image_id"' | wc -l)" -eq 1 ]
stop_daemon
check "usage error" sh -c "'$IMAGED' --data-dir '$data' check --frob 2>/dev/null; [ \$? -eq 2 ]"
finish
