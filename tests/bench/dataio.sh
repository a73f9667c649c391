#!/bin/sh
# Figures for imaged export, import and backup: N small images (default
# 100000) placed in a bucket folder and adopted, then exported, the export
# imported into a fresh data dir, and a backup taken, each under
# /usr/bin/time -v for its rate and peak memory.  Prints figures, asserts
# nothing.  Needs about 1.5 GB of disk per 100000 images (4 KiB blocks).
#
#   IMAGED=build/imaged N=100000 sh tests/bench/dataio.sh
#
# BACKUP_DIR puts the backup on another file system (copies, not links),
# e.g. BACKUP_DIR=/dev/shm.
IMAGED=${IMAGED:-build/imaged}
N=${N:-100000}
work=$(mktemp -d "${TMPDIR:-/tmp}/imaged-bench.XXXXXX")
bk=$(mktemp -d "${BACKUP_DIR:-$work}/imaged-bench-bk.XXXXXX")
trap 'rm -rf "$work" "$bk"' EXIT

# The images: the sample files, round robin, over 100 users, one
# microsecond apart in age.
/usr/bin/python3 - "$work/d1/image-storage-bucket/images" "$N" <<'PY'
import os, sys, uuid, time
root, n = sys.argv[1], int(sys.argv[2])
samples = [open("data/" + f, "rb").read() for f in
           ("sample.png", "sample.jpg", "sample.gif", "sample.webp")]
exts = ["png", "jpg", "gif", "webp"]
base = (int(time.time()) - 7200) * 10**9
for u in range(100):
    os.makedirs(f"{root}/user{u}", exist_ok=True)
for i in range(n):
    k = i % 4
    p = f"{root}/user{i % 100}/{uuid.uuid4()}.{exts[k]}"
    with open(p, "wb") as f:
        f.write(samples[k])
    t = base + i * 1000
    os.utime(p, ns=(t, t))
PY
mkdir -p "$work/d1"

run() { # NAME COMMAND...
	name=$1
	shift
	sync
	/usr/bin/time -v "$@" > "$work/out" 2> "$work/time"
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
	printf "%-8s %s  peak RSS %s KiB\n" "$name" "$(tail -1 "$work/out")" "$rss"
}

run adopt "$IMAGED" --data-dir "$work/d1" import --adopt
run export "$IMAGED" --data-dir "$work/d1" export "$work/exp"
run import "$IMAGED" --data-dir "$work/d2" import "$work/exp"
run backup "$IMAGED" --data-dir "$work/d1" backup "$bk"
run backup2 "$IMAGED" --data-dir "$work/d1" backup "$bk"
run check "$IMAGED" --data-dir "$bk" check
