#!/bin/sh
# Start-up cost with a big bucket: NFILES files under the bucket, each
# with its catalog row (made directly in SQLite, 100 users), or with
# ROWS=0 none (files copied in: imaged must leave them), then imaged is
# started ROUNDS times on that folder.  Prints, per start: the time to
# the first 200 from /healthz, and 3 s after the start the CPU seconds
# the process has used, its peak RSS, and the files left in the bucket.
# Nothing is asserted.  Needs the sqlite3 command.
#
#	IMAGED=build/imaged NFILES=100000 sh tests/bench/startup.sh
IMAGED=${IMAGED:-build/imaged}
NFILES=${NFILES:-100000}
ROUNDS=${ROUNDS:-3}
ROWS=${ROWS:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/imaged-startup.XXXXXX")
data="$work/data"
trap 'rm -rf "$work"' EXIT

"$IMAGED" --data-dir "$data" --port 0 --url-file "$work/url" 2>/dev/null &
p=$!
while [ ! -s "$work/url" ]; do sleep 0.05; done
kill -TERM $p; wait $p

sqlite3 "$data/imaged.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NFILES)
INSERT INTO images (created_at, image_id, user_id, filename, s3_key,
    content_type, file_size, checksum_sha256, updated_at)
SELECT i, printf('%08x-0000-4000-8000-%012x', i, i), 'u' || (i % 100),
    'f.png', printf('images/u%d/%08x-0000-4000-8000-%012x.png', i % 100, i, i),
    'image/png', 0, '', i FROM n;
UPDATE catalog_seq SET last_created = $NFILES;
CREATE TABLE bench_keys AS SELECT s3_key FROM images;
SQL
[ "$ROWS" = 1 ] || sqlite3 "$data/imaged.db" "DELETE FROM images"
i=0
while [ $i -lt 100 ]; do mkdir -p "$data/image-storage-bucket/images/u$i"; i=$((i + 1)); done
sqlite3 "$data/imaged.db" "SELECT s3_key FROM bench_keys" |
    (cd "$data/image-storage-bucket" && xargs touch)
echo "files: $(find "$data/image-storage-bucket" -type f | wc -l)"

hz=$(getconf CLK_TCK)
r=1
while [ $r -le "$ROUNDS" ]; do
	sync
	rm -f "$work/url"
	t0=$(date +%s%N)
	"$IMAGED" --data-dir "$data" --port 0 --url-file "$work/url" 2>/dev/null &
	p=$!
	while [ ! -s "$work/url" ]; do sleep 0.001; done
	while ! curl -sf -o /dev/null "$(cat "$work/url")/healthz"; do
		sleep 0.001
	done
	t1=$(date +%s%N)
	sleep 3
	cpu=$(awk -v hz="$hz" '{ printf "%.2f", ($14 + $15) / hz }' /proc/$p/stat)
	rss=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' /proc/$p/status)
	kill -TERM $p; wait $p
	echo "start $r: first 200 after $(( (t1 - t0) / 1000000 )) ms;" \
	    "after 3 s: cpu $cpu s, peak RSS $rss MiB;" \
	    "files left $(find "$data/image-storage-bucket" -type f | wc -l)"
	r=$((r + 1))
done
