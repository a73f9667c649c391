#!/bin/sh
# imaged export, import and backup, proven against the services imaged
# stands in for: s3rver (S3) and dynalite (DynamoDB), pinned in
# tests/node, driven with the AWS CLI on loopback with dummy credentials.
# Both are stopped at the end, whatever happens.
. "$(dirname "$0")/lib.sh"

NODE_BIN=$(cd "$(dirname "$0")/node/node_modules/.bin" 2>/dev/null && pwd)
BUCKET=image-storage-bucket
TABLE=ImageMetadata
PY=/usr/bin/python3

# The AWS CLI reads nothing of the user's: its config is ours, its
# credentials are dummies (s3rver's defaults, which it checks signatures
# against), and it never asks an instance metadata service.
cat > "$work/aws-config" <<'EOF'
[default]
region = us-east-1
output = json
s3 =
    addressing_style = path
EOF
export AWS_CONFIG_FILE="$work/aws-config"
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
unset AWS_PROFILE AWS_SESSION_TOKEN

s3pid=
ddbpid=
stop_tools() {
	[ -n "$s3pid" ] && kill "$s3pid" 2>/dev/null
	[ -n "$ddbpid" ] && kill "$ddbpid" 2>/dev/null
	[ -n "$s3pid" ] && wait "$s3pid" 2>/dev/null
	[ -n "$ddbpid" ] && wait "$ddbpid" 2>/dev/null
	s3pid= ddbpid=
}
trap 'stop_tools' EXIT
trap 'stop_tools; exit 1' INT TERM

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

s3() { aws --endpoint-url "$S3_URL" "$@"; }
ddb() { aws --endpoint-url "$DDB_URL" dynamodb "$@"; }

# Wait until COMMAND succeeds (up to about 20 s).
await() {
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.1
	done
}

if [ -z "$NODE_BIN" ] || [ ! -x "$NODE_BIN/s3rver" ] || [ ! -x "$NODE_BIN/dynalite" ] ||
    ! command -v aws >/dev/null; then
	not_ok "s3rver, dynalite (make node-deps) and the AWS CLI are needed"
	finish
	exit 1
fi

S3_PORT=$(free_port)
DDB_PORT=$(free_port)
S3_URL=http://127.0.0.1:$S3_PORT
DDB_URL=http://127.0.0.1:$DDB_PORT
mkdir -p "$work/s3rver"
"$NODE_BIN/s3rver" -d "$work/s3rver" -a 127.0.0.1 -p "$S3_PORT" --silent \
    >>"$work/tools.log" 2>&1 &
s3pid=$!
# dynalite keeps its tables in memory without --path (no LevelDB needed).
"$NODE_BIN/dynalite" --host 127.0.0.1 --port "$DDB_PORT" --createTableMs 0 \
    >>"$work/tools.log" 2>&1 &
ddbpid=$!
check "s3rver answers" await s3 s3api list-buckets
check "dynalite answers" await ddb list-tables
if [ "$failed" -gt 0 ]; then
	cat "$work/tools.log" >&2
	finish
	exit 1
fi

# The original's bucket and table.
check "bucket created" s3 s3api create-bucket --bucket "$BUCKET" >/dev/null
check "table created" sh -c "aws --endpoint-url '$DDB_URL' dynamodb create-table \
    --table-name $TABLE \
    --attribute-definitions AttributeName=image_id,AttributeType=S \
        AttributeName=user_id,AttributeType=S AttributeName=created_at,AttributeType=S \
    --key-schema AttributeName=image_id,KeyType=HASH \
    --global-secondary-indexes '[{\"IndexName\": \"UserIdIndex\",
        \"KeySchema\": [{\"AttributeName\": \"user_id\", \"KeyType\": \"HASH\"},
                      {\"AttributeName\": \"created_at\", \"KeyType\": \"RANGE\"}],
        \"Projection\": {\"ProjectionType\": \"ALL\"},
        \"ProvisionedThroughput\": {\"ReadCapacityUnits\": 5, \"WriteCapacityUnits\": 5}}]' \
    --provisioned-throughput ReadCapacityUnits=5,WriteCapacityUnits=5 >/dev/null"
await ddb describe-table --table-name "$TABLE"

upload() { # USER FILE NAME [query...]
	curl -s -X POST "$BASE/images?user_id=$1&filename=$3${4:+&$4}" \
	    -H 'Content-Type: application/octet-stream' --data-binary @"data/$2" |
	    jq -r .image_id
}

# Listing of a user, oldest first, without the signed URLs (they differ by host).
listing() { # USER
	curl -s "$BASE/images?user_id=$1&order=asc&limit=100" |
	    jq -c '[.images[] | del(.download_url, .url_expires_in)]'
}

# ---------------------------------------------------------------------------
# 1. imaged -> export -> aws s3 sync + batch-write-item -> the services
d1="$work/d1"
start_daemon --data-dir "$d1"
upload alice sample.jpg sunset.jpg 'title=Sunset&tags=beach,sunset&location=Goa' >/dev/null
upload alice sample.png cat.png 'title=Cat&description=A%20cat&tags=pets' >/dev/null
upload bob sample.gif anim.gif >/dev/null
upload alice sample.webp leaf.webp 'tags=green' >/dev/null
upload bob sample-exif.jpg photo.JPG 'title=%C3%89t%C3%A9' >/dev/null
i=0
while [ $i -lt 27 ]; do
	upload carol sample.png "c$i.png" "title=n$i" >/dev/null
	i=$((i + 1))
done
for u in alice bob carol; do listing $u > "$work/list-$u.json"; done
check "32 uploads" [ "$(cat "$work"/list-*.json | jq -s 'map(length) | add')" -eq 32 ]

# Export while the daemon runs.
"$IMAGED" --data-dir "$d1" export "$work/exp" > "$work/out" 2> "$work/err"
check "export exits 0" [ $? -eq 0 ]
check "export: one summary line" [ "$(wc -l < "$work/out")" -eq 1 ]
check "export: quiet off a terminal" [ ! -s "$work/err" ]
check "export: the summary counts" grep -q '^exported 32 images' "$work/out"
check "export: no partial folder left" [ -z "$(ls -a "$work" | grep partial)" ]
m="$work/exp/manifest.json"
check "manifest counts images" [ "$(jq .images "$m")" -eq 32 ]
check "manifest counts bytes" [ "$(jq .bytes "$m")" -eq \
    "$(cat "$work"/list-*.json | jq -s 'map(.[].file_size) | add')" ]
check "manifest: 2 batch files of 25 at most" [ "$(jq .batch_files "$m")" -eq 2 ]
check "manifest lists every file with its SHA-256" sh -c "cd '$work/exp' &&
    jq -r '.files[] | \"\(.sha256)  \(.path)\"' manifest.json | sha256sum -c --quiet"
check "manifest lists every file there is" [ "$(jq '.files | length' "$m")" -eq \
    "$(cd "$work/exp" && find . -type f ! -name manifest.json | wc -l)" ]
check "items.json: one {\"Item\"} line per image" [ "$(jq -c 'select(.Item)' \
    "$work/exp/dynamodb/$TABLE/items.json" | wc -l)" -eq 32 ]
check "items carry the original's types" [ "$(head -1 "$work/exp/dynamodb/$TABLE/items.json" |
    jq -c '.Item | [.image_id.S != null, .file_size.N != null, (.tags.L | type), .sha256.S != null]')" = \
    '[true,true,"array",true]' ]

"$IMAGED" --data-dir "$d1" export --json "$work/exp2" > "$work/out"
check "export --json" [ "$(jq -r '.command + " " + (.images | tostring)' "$work/out")" = "export 32" ]

check "aws s3 sync up" s3 s3 sync --only-show-errors "$work/exp/s3/$BUCKET" "s3://$BUCKET"
ok_batches=1
for f in "$work/exp/dynamodb/$TABLE/batches/"*.json; do
	ddb batch-write-item --request-items "file://$f" > "$work/bw" || ok_batches=0
	[ "$(jq '.UnprocessedItems | length' "$work/bw")" -eq 0 ] || ok_batches=0
done
check "batch-write-item takes every batch" [ $ok_batches -eq 1 ]

for u in alice bob carol; do
	ddb query --table-name "$TABLE" --index-name UserIdIndex \
	    --key-condition-expression 'user_id = :u' \
	    --expression-attribute-values "{\":u\": {\"S\": \"$u\"}}" |
	    jq -c '[.Items[].image_id.S]' > "$work/q-$u"
	check "UserIdIndex returns $u's images in imaged's order" \
	    [ "$(cat "$work/q-$u")" = "$(jq -c '[.[].image_id]' "$work/list-$u.json")" ]
done
same=1
for k in $(cat "$work"/list-*.json | jq -r '.[].s3_key'); do
	s3 s3api get-object --bucket "$BUCKET" --key "$k" "$work/got" >/dev/null &&
	    cmp -s "$work/got" "$d1/$BUCKET/$k" || same=0
done
check "get-object returns identical bytes" [ $same -eq 1 ]
item=$(ddb get-item --table-name "$TABLE" --key \
    "{\"image_id\": {\"S\": \"$(jq -r '.[0].image_id' "$work/list-alice.json")\"}}")
check "an item's attributes" [ "$(echo "$item" | jq -c '.Item |
    [.title.S, .location.S, .tags.L[0].S, (.file_size.N | tonumber)]')" = \
    "[\"Sunset\",\"Goa\",\"beach\",$(stat -c %s data/sample.jpg)]" ]

# ---------------------------------------------------------------------------
# 2. the original's Lambda writes -> aws s3 sync + scan -> imaged import
for n in 1 2 3; do
	id=$(cat /proc/sys/kernel/random/uuid)
	echo "$id" >> "$work/lambda-ids"
	s3 s3api put-object --bucket "$BUCKET" --key "images/lambda/$id.png" \
	    --body data/sample.png --content-type image/png >/dev/null
	ddb put-item --table-name "$TABLE" --item "{
	    \"image_id\": {\"S\": \"$id\"}, \"user_id\": {\"S\": \"lambda\"},
	    \"s3_key\": {\"S\": \"images/lambda/$id.png\"},
	    \"filename\": {\"S\": \"pic$n.png\"}, \"content_type\": {\"S\": \"image/png\"},
	    \"file_size\": {\"N\": \"$(stat -c %s data/sample.png)\"},
	    \"created_at\": {\"S\": \"2025-03-0${n}T10:20:30.12345$n\"},
	    \"updated_at\": {\"S\": \"2025-03-0${n}T10:20:30.12345$n\"},
	    \"title\": {\"S\": \"Lambda $n\"}, \"description\": {\"S\": \"written by put-item\"},
	    \"tags\": {\"L\": [{\"S\": \"cloud\"}, {\"S\": \"n$n\"}]},
	    \"location\": {\"S\": \"eu-west-1\"}}"
done
mkdir -p "$work/pulled"
check "aws s3 sync down" s3 s3 sync --only-show-errors "s3://$BUCKET" "$work/pulled/s3"
ddb scan --table-name "$TABLE" > "$work/pulled/scan.json"
check "scan returns 35 items" [ "$(jq .Count "$work/pulled/scan.json")" -eq 35 ]
stop_daemon

d2="$work/d2"
"$IMAGED" --data-dir "$d2" import --items "$work/pulled/scan.json" "$work/pulled/s3" \
    > "$work/out" 2> "$work/err"
check "import exits 0" [ $? -eq 0 ]
check "import: quiet off a terminal" [ ! -s "$work/err" ]
check "import: the summary" grep -q '^imported 35 images .* 0 already present, 0 skipped' "$work/out"
"$IMAGED" --data-dir "$d2" import --json --items "$work/pulled/scan.json" "$work/pulled/s3" \
    > "$work/out"
check "a second import adds nothing" [ "$(jq -c '[.added, .present, .skipped]' "$work/out")" = '[0,35,0]' ]
check "imported store is clean" "$IMAGED" --data-dir "$d2" check >/dev/null

start_daemon --data-dir "$d2"
for u in alice bob carol; do
	check "$u: same ids, metadata and order after the round trip" \
	    [ "$(listing $u)" = "$(cat "$work/list-$u.json")" ]
done
id=$(head -1 "$work/lambda-ids")
r=$(curl -s "$BASE/images/$id"); echo "$r" > "$work/lambda-item"
check "the Lambda's item is served" [ "$(echo "$r" | jq -c '[.user_id, .filename,
    .title, .description, .tags, .location, .created_at, .content_type, .width]')" = \
    '["lambda","pic1.png","Lambda 1","written by put-item",["cloud","n1"],"eu-west-1","2025-03-01T10:20:30.123451Z","image/png",8]' ]
check "with the same bytes" sh -c "curl -s -H 'Accept: image/png' \
    '$BASE/images/$id?download=true' | cmp -s - data/sample.png"
check "the Lambda's items list by user, in time order" [ "$(listing lambda | jq -r '[.[].image_id] | join(" ")')" = \
    "$(tr '\n' ' ' < "$work/lambda-ids" | sed 's/ $//')" ]
stop_daemon

# An imaged export and DynamoDB export data files (gzipped) import too.
"$IMAGED" --data-dir "$work/d3" import "$work/exp" > "$work/out"
check "import of an imaged export" grep -q '^imported 32 images' "$work/out"
mkdir -p "$work/ddbexport/data"
gzip -c "$work/exp/dynamodb/$TABLE/items.json" > "$work/ddbexport/data/part-0001.json.gz"
"$IMAGED" --data-dir "$work/d4" import --items "$work/ddbexport" "$work/exp/s3/$BUCKET" \
    > "$work/out"
check "import of gzipped export data files" grep -q '^imported 32 images' "$work/out"
"$IMAGED" --data-dir "$work/d5" import --items "$work/exp/dynamodb/$TABLE/batches" \
    "$work/exp/s3/$BUCKET" > "$work/out"
check "import of batch-write-item files" grep -q '^imported 32 images' "$work/out"

# ---------------------------------------------------------------------------
# 3. bad input: one line naming the item or path, non-zero, nothing half-written
bad() { # NAME EXPECTED-STATUS PATTERN COMMAND...
	name=$1 want=$2 pat=$3
	shift 3
	"$@" > "$work/out" 2> "$work/err"
	st=$?
	check "$name: status" [ "$st" -eq "$want" ]
	check "$name: one clear line" sh -c "[ \$(wc -l < '$work/err') -eq 1 ] &&
	    grep -q -- '$pat' '$work/err'"
}
nd="$work/none"
bad "missing SRC" 1 "$work/nowhere" "$IMAGED" --data-dir "$nd" import \
    --items "$work/pulled/scan.json" "$work/nowhere"
bad "SRC not a folder" 1 "not a directory" "$IMAGED" --data-dir "$nd" import \
    --items "$work/pulled/scan.json" "$work/pulled/scan.json"
bad "missing scan file" 1 "$work/noscan.json" "$IMAGED" --data-dir "$nd" import \
    --items "$work/noscan.json" "$work/pulled/s3"
if [ "$(id -u)" -ne 0 ]; then
	mkdir "$work/locked" && chmod 000 "$work/locked"
	bad "unreadable SRC" 1 "$work/locked" "$IMAGED" --data-dir "$nd" import \
	    --items "$work/pulled/scan.json" "$work/locked"
fi
echo 'this is not JSON' > "$work/notjson.json"
bad "a scan file that is not JSON" 1 "notjson.json: line 1: not DynamoDB JSON" \
    "$IMAGED" --data-dir "$nd" import --items "$work/notjson.json" "$work/pulled/s3"
head -c 3000 "$work/pulled/scan.json" > "$work/cut.json"
bad "a scan file cut short" 1 "cut.json: line .*ends inside" \
    "$IMAGED" --data-dir "$nd" import --items "$work/cut.json" "$work/pulled/s3"
check "nothing written by a refused import" [ ! -e "$nd" ]

# Items that break a rule, among good ones: each named and skipped.
mkdir -p "$work/mixed/s3/images/m" "$work/mixed/s3/images/x"
item() { # ID USER KEY FILE_SIZE_ATTR [EXTRA]
	printf '{"Item": {"image_id": {"S": "%s"}, "user_id": {"S": "%s"}, "s3_key": {"S": "%s"}, "filename": {"S": "f.png"}, "content_type": {"S": "image/png"}, "file_size": %s, "created_at": {"S": "2025-01-01T00:00:00Z"}%s}}\n' \
	    "$1" "$2" "$3" "$4" "${5:-}"
}
size=$(stat -c %s data/sample.png)
g1=11111111-1111-4111-8111-111111111111
g2=22222222-2222-4222-8222-222222222222
b1=33333333-3333-4333-8333-333333333333
b2=44444444-4444-4444-8444-444444444444
b3=55555555-5555-4555-8555-555555555555
b4=66666666-6666-4666-8666-666666666666
for g in $g1 $g2 $b1 $b4; do cp data/sample.png "$work/mixed/s3/images/m/$g.png"; done
echo 'plain text, not a picture' > "$work/mixed/s3/images/m/$b3.png"
echo 'secret' > "$work/mixed/escaped.png"
{
	item $g1 m "images/m/$g1.png" "{\"N\": \"$size\"}"
	item $b1 m "images/m/$b1.png" "{\"S\": \"$size\"}"
	item $b2 m "images/m/../../escaped.png" "{\"N\": \"7\"}"
	item $b3 m "images/m/$b3.png" "{\"N\": \"$(stat -c %s "$work/mixed/s3/images/m/$b3.png")\"}"
	item $b4 m "images/m/$b4.png" "{\"N\": \"$size\"}" ', "tags": {"S": "notalist"}'
	item $g2 m "images/m/$g2.png" "{\"N\": \"$size\"}"
} > "$work/mixed/items.json"
"$IMAGED" --data-dir "$work/d6" import --items "$work/mixed/items.json" "$work/mixed/s3" \
    > "$work/out" 2> "$work/err"
check "bad items: non-zero exit" [ $? -eq 1 ]
check "bad items: one line each" [ "$(wc -l < "$work/err")" -eq 4 ]
check "a wrong type is named" grep -q "item 2 ($b1): file_size: expected a number (N); skipped" "$work/err"
check "a key that escapes the bucket is named" grep -q "item 3 ($b2): s3_key: .* escapes the bucket" "$work/err"
check "bytes that are not an image are named" grep -q "item 4 ($b3): the file's bytes are not an image" "$work/err"
check "tags of the wrong type are named" grep -q "item 5 ($b4): tags: expected a list of strings" "$work/err"
check "the good items went in" grep -q '^imported 2 images .* 4 skipped' "$work/out"
check "no file of a skipped item is left" [ "$(find "$work/d6/$BUCKET" -type f | wc -l)" -eq 2 ]
check "nothing left in the temp folder" [ -z "$(ls "$work/d6/tmp")" ]
check "the store is clean after skips" "$IMAGED" --data-dir "$work/d6" check >/dev/null

# export: DEST inside the data dir, DEST not empty
bad "export into the data dir" 1 "inside the data dir" "$IMAGED" --data-dir "$d1" export "$d1/out"
check "nothing made there" [ ! -e "$d1/out" ]
mkdir -p "$work/full" && echo keep > "$work/full/keep"
bad "export into a folder not empty" 1 "$work/full: not empty" "$IMAGED" --data-dir "$d1" export "$work/full"
check "the folder is untouched" [ "$(ls -A "$work/full")" = keep ]
bad "backup into the data dir" 1 "inside the data dir" "$IMAGED" --data-dir "$d1" backup "$d1/bk"
bad "backup into a folder that is not a backup" 1 "not an imaged backup" \
    "$IMAGED" --data-dir "$d1" backup "$work/full"
check "no partial export anywhere" [ -z "$(ls -a "$work" "$d1" | grep partial)" ]

# A store that lost a file: the export stops, naming it; the backup names it
# and keeps the row, so that check on the copy says what check on the store says.
cp -r "$work/d6" "$work/d8"
rm "$work/d8/$BUCKET/images/m/$g1.png"
bad "export of a store that lost a file" 1 "images/m/$g1.png: the file is missing" \
    "$IMAGED" --data-dir "$work/d8" export "$work/exp8"
check "nothing exported" [ ! -e "$work/exp8" ]
"$IMAGED" --data-dir "$work/d8" backup "$work/bk8" > /dev/null 2> "$work/err"
check "backup of a store that lost a file: non-zero" [ $? -eq 1 ]
check "backup names the lost file" grep -q "images/m/$g1.png: missing in the data dir" "$work/err"
"$IMAGED" --data-dir "$work/bk8" check > "$work/out"
check "check on the backup reports the same loss" grep -q "^missing *images/m/$g1.png" "$work/out"

# ---------------------------------------------------------------------------
# 4. --adopt: files copied into the bucket by hand
d7="$work/d7"
"$IMAGED" --data-dir "$d7" import --items "$work/mixed/items.json" "$work/mixed/s3" >/dev/null 2>&1
mkdir -p "$d7/$BUCKET/images/hand"
hid=77777777-7777-4777-8777-777777777777
cp data/sample.png "$d7/$BUCKET/images/hand/$hid.png"
cp data/sample.jpg "$d7/$BUCKET/images/hand/holiday.jpg"
cp data/sample.gif "$d7/$BUCKET/images/hand/fresh.gif"
touch -d '2 hours ago' "$d7/$BUCKET/images/hand/$hid.png" "$d7/$BUCKET/images/hand/holiday.jpg"
"$IMAGED" --data-dir "$d7" import --adopt --json > "$work/out"
check "adopt exits 0" [ $? -eq 0 ]
check "adopt: two taken, the fresh one left" [ "$(jq -c '[.added, .recent]' "$work/out")" = '[2,1]' ]
"$IMAGED" --data-dir "$d7" import --adopt --json > "$work/out"
check "adopt twice adds nothing" [ "$(jq .added "$work/out")" -eq 0 ]
check "the hand-named file moved to its key" [ ! -e "$d7/$BUCKET/images/hand/holiday.jpg" ]
touch -d '2 hours ago' "$d7/$BUCKET/images/hand/fresh.gif"
"$IMAGED" --data-dir "$d7" import --adopt >/dev/null
check "adopted store is clean" "$IMAGED" --data-dir "$d7" check >/dev/null
start_daemon --data-dir "$d7"
check "an adopted file keeps its id" [ "$(curl -s "$BASE/images/$hid" | jq -r '.user_id + " " + .content_type')" = "hand image/png" ]
check "a hand-named file keeps its name" [ "$(listing hand | jq -r '[.[].filename] | sort | join(" ")')" = \
    "$hid.png fresh.gif holiday.jpg" ]
stop_daemon

# ---------------------------------------------------------------------------
# 5. backup during a stream of uploads restores to a clean store
start_daemon --data-dir "$d1"
(
	i=0
	while [ $i -lt 40 ]; do
		upload stream sample.png "s$i.png" >/dev/null
		i=$((i + 1))
	done
) &
streamer=$!
sleep 0.2
"$IMAGED" --data-dir "$d1" backup --json "$work/bk" > "$work/out" 2> "$work/err"
check "backup during uploads exits 0" [ $? -eq 0 ]
"$IMAGED" --data-dir "$d1" export "$work/exp-live" > /dev/null
check "export during uploads is whole" [ "$(jq .images "$work/exp-live/manifest.json")" -eq \
    "$(wc -l < "$work/exp-live/dynamodb/$TABLE/items.json")" ]
wait $streamer
check "backup: quiet off a terminal" [ ! -s "$work/err" ]
n1=$(jq .images "$work/out")
check "backup: hard links on one file system" [ "$(jq .linked "$work/out")" -eq "$n1" ]
# Import beside the running daemon: it serves the new images at once.
"$IMAGED" --data-dir "$d1" import --json --items "$work/pulled/scan.json" \
    "$work/pulled/s3" > "$work/out"
check "import beside a running daemon" [ "$(jq -c '[.added, .present]' "$work/out")" = '[3,32]' ]
check "the daemon serves what was imported" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "$BASE/images/$(head -1 "$work/lambda-ids")")" = 200 ]
late=$(upload stream sample.png late.png)
check "an upload after an import still sorts last" [ "$(curl -s "$BASE/images?limit=1" |
    jq -r '.images[0].image_id')" = "$late" ]
check "the backup is clean" "$IMAGED" --data-dir "$work/bk" check >/dev/null
"$IMAGED" --data-dir "$d1" backup --json "$work/bk" > "$work/out"
check "a second backup takes only the new images" [ "$(jq -c '[.unchanged, .linked + .copied]' "$work/out")" = \
    "[$n1,$((76 - n1))]" ]
del=$(jq -r '.[0].image_id' "$work/list-carol.json")
curl -s -X DELETE "$BASE/images/$del" >/dev/null
"$IMAGED" --data-dir "$d1" backup --json "$work/bk" > "$work/out"
check "a third backup: nothing copied, the deleted file removed" \
    [ "$(jq -c '[.linked + .copied, .removed]' "$work/out")" = '[0,1]' ]
check "still clean" "$IMAGED" --data-dir "$work/bk" check >/dev/null
curl -s "$BASE/images?order=asc&limit=100" | jq -c '[.images[] | del(.download_url, .url_expires_in)]' > "$work/live"
stop_daemon
start_daemon --data-dir "$work/bk"
check "the backup serves the same images" [ "$(curl -s "$BASE/images?order=asc&limit=100" |
    jq -c '[.images[] | del(.download_url, .url_expires_in)]')" = "$(cat "$work/live")" ]
stop_daemon

stop_tools
finish
