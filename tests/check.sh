#!/bin/sh
# imaged check [--repair]: a store damaged by hand is reported, named,
# mended, and then clean; files imaged did not write survive every start
# and are only ever moved aside; imaged's own crash leftovers are cleaned.
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
# size, and an old leftover temp file.  Then files imaged did not write,
# of every shape: another prefix, a non-image name, and a well-formed
# images/<user>/<uuid>.png copied in.
rm "$bucket/$k1"
head -c 50 data/sample.png > "$bucket/$k2"
{ head -c 60 data/sample.png; printf 'X'; tail -c +62 data/sample.png; } > "$bucket/$k3"
: > "$data/tmp/up-0123456789abcdef0123456789abcdef.part"
foreign="images/u1/0b5ae1d2-3f4a-4b6c-8d9e-0f1a2b3c4d5e.png
images/u1/stray.png
images/u1/notes.txt
backups/2024/photo.jpg
README"
mkdir -p "$bucket/backups/2024"
for f in $foreign; do cp data/sample.png "$bucket/$f"; done
touch -d '2 hours ago' "$data/tmp/up-0123456789abcdef0123456789abcdef.part"
for f in $foreign; do touch -d '2 hours ago' "$bucket/$f"; done

# imaged's own crash leftovers, made by hand as a kill -9 leaves them:
# an upload linked under its key whose row never committed (tmp name and
# key are one inode: both go), and one whose row did commit (only the tmp
# name goes: k4 is a real image).
mkdir -p "$bucket/images/u9"
cp data/sample.png "$data/tmp/ln-images%2Fu9%2F1d0c3b2a-0000-4000-8000-000000000001.png"
ln "$data/tmp/ln-images%2Fu9%2F1d0c3b2a-0000-4000-8000-000000000001.png" \
    "$bucket/images/u9/1d0c3b2a-0000-4000-8000-000000000001.png"
ln "$bucket/$k4" "$data/tmp/ln-$(echo "$k4" | sed 's|/|%2F|g')"

start_daemon --data-dir "$data"
id1=$(basename "$k1" .png)
check "a missing file is 404" [ "$(curl -s -o "$work/err" -w '%{http_code}' \
    -H 'Accept: image/png' "$BASE/images/$id1?download=true")" = 404 ]
check "with a clear message" grep -q 'missing' "$work/err"
stop_daemon
check "start-up removed the leftover temp file" \
    [ ! -e "$data/tmp/up-0123456789abcdef0123456789abcdef.part" ]
check "start-up undid the upload whose row never came" \
    [ ! -e "$bucket/images/u9/1d0c3b2a-0000-4000-8000-000000000001.png" ]
check "tmp/ is empty after start" [ -z "$(ls -A "$data/tmp")" ]
check "a committed upload keeps its file" [ -f "$bucket/$k4" ]
check "and only its one name" [ "$(stat -c %h "$bucket/$k4")" = 1 ]
for f in $foreign; do
	check "foreign file $f survives a restart" cmp -s data/sample.png "$bucket/$f"
done
: > "$data/tmp/up-0123456789abcdef0123456789abcdef.part"
touch -d '2 hours ago' "$data/tmp/up-0123456789abcdef0123456789abcdef.part"

"$IMAGED" --data-dir "$data" check > "$work/out"
check "a damaged store is not clean" [ $? -eq 1 ]
check "missing named" grep -q "^missing *$k1" "$work/out"
check "size named" grep -q "^size *$k2" "$work/out"
check "checksum named" grep -q "^checksum *$k3" "$work/out"
for f in $foreign; do
	check "unknown $f named" grep -q "^unknown *$f\$" "$work/out"
done
check "unknown counted" grep -q '^unknown *5 ' "$work/out"
check "pending counted" grep -q '^pending *1 ' "$work/out"
check "nothing moved without --repair" [ ! -e "$data/lost+found" ]

"$IMAGED" --data-dir "$data" check --repair > "$work/out"
check "repair exits 0" [ $? -eq 0 ]
"$IMAGED" --data-dir "$data" check > "$work/out"
check "clean after repair" [ $? -eq 0 ]
check "broken rows kept, quarantined" grep -q '^quarantined *3 ' "$work/out"
check "the sound row is left" grep -q '^rows *1 ' "$work/out"
for f in $foreign; do
	check "unknown $f moved to lost+found" [ ! -e "$bucket/$f" ]
	check "and kept whole there" cmp -s data/sample.png "$data/lost+found/$f"
done
check "the damaged file stays for inspection" [ -e "$bucket/$k2" ]

# A delete whose unlink a crash prevented: its key is a pending removal,
# recorded with the row's removal; the next start removes the file.
cp data/sample.png "$bucket/images/u1/2e6bf3e4-0000-4000-8000-000000000002.png"
/usr/bin/python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO pending_unlink VALUES (?)", (sys.argv[2],))
db.commit()' "$data/imaged.db" images/u1/2e6bf3e4-0000-4000-8000-000000000002.png
start_daemon --data-dir "$data"
stop_daemon
check "start-up finished the pending delete" \
    [ ! -e "$bucket/images/u1/2e6bf3e4-0000-4000-8000-000000000002.png" ]
"$IMAGED" --data-dir "$data" check > "$work/out"
check "clean after the pending delete" [ $? -eq 0 ]

start_daemon --data-dir "$data"
check "quarantined rows leave the listing" [ "$(curl -s "$BASE/images?user_id=u1" |
    grep -o '"image_id"' | wc -l)" -eq 1 ]
stop_daemon
# Renditions of an image with no row (a crash in the middle of a delete
# leaves them) are stale: listed, and removed by --repair, as a cache is
# made again on demand.  A live image's renditions stay, and so does a
# stale one changed in the last minute (a daemon may be running).
start_daemon --data-dir "$data"
k5=$(upload five.png)
id5=$(basename "$k5" .png)
check "a rendition is served" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "$BASE/images/$id5?download=true&w=32")" = 200 ]
stop_daemon
rend="$data/_renditions"
check "the rendition is kept in its folder" [ -n "$(ls -A "$rend/$id5")" ]
gone=3f2e1d0c-0000-4000-8000-000000000003
fresh=4a3b2c1d-0000-4000-8000-000000000004
mkdir -p "$rend/$gone" "$rend/$fresh"
cp data/sample.png "$rend/$gone/w32.png"
cp data/sample.png "$rend/$gone/w64.png"
cp data/sample.png "$rend/$fresh/w32.png"
touch -d '2 hours ago' "$rend/$gone/w32.png" "$rend/$gone/w64.png" \
    "$rend/$id5"/*
"$IMAGED" --data-dir "$data" check > "$work/out"
check "stale renditions make the store not clean" [ $? -eq 1 ]
check "stale rendition named" grep -q "^stale *$gone/w32.png\$" "$work/out"
check "stale counted" grep -q '^stale *2 ' "$work/out"
check "a live image's rendition is not stale" sh -c \
    "! grep -q '$id5' '$work/out'"
check "a fresh one is left alone" sh -c "! grep -q '$fresh' '$work/out'"
check "nothing removed without --repair" [ -f "$rend/$gone/w64.png" ]
"$IMAGED" --data-dir "$data" check --repair > "$work/out"
check "repair of stale renditions exits 0" [ $? -eq 0 ]
check "the stale folder is removed" [ ! -e "$rend/$gone" ]
check "not moved to lost+found" [ ! -e "$data/lost+found/$gone" ]
check "the live image's renditions survive" [ -n "$(ls -A "$rend/$id5")" ]
check "the fresh one survives" [ -f "$rend/$fresh/w32.png" ]
"$IMAGED" --data-dir "$data" check > "$work/out"
check "clean after removing stale renditions" [ $? -eq 0 ]

check "usage error" sh -c "'$IMAGED' --data-dir '$data' check --frob 2>/dev/null; [ \$? -eq 2 ]"
finish
