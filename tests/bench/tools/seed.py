"""seed.py: fill a data folder's catalog with generated images, fast.

	python3 seed.py DATA_DIR COUNT [FILES]

Adds rows to DATA_DIR/imaged.db (created by imaged beforehand, so the
schema is its own) until it holds COUNT images, in one transaction per
100,000 rows, with the catalog's own triggers maintaining the tag and
trigram indexes.  The data: 10,000 users (user00000..user09999), 2-4
words of title from 200, one of 50 cities, 1-4 tags of 500.  No title,
location or tag contains the letter q, so `title=q` matches nothing and
is the slowest listing there is (a walk of every row).  Row i is the
same in every run.  With FILES, an empty file is also created under the
bucket for each new row (what start-up and `imaged check` then find).
Prints the image id and user of row 0, the one the benchmarks fetch.
For benchmarks only: it bypasses imaged's durability (no fsync).
"""
import os
import sqlite3
import sys

NUSERS, NTAGS = 10000, 500
SYL1 = ["sun", "moon", "star", "river", "stone", "leaf", "snow", "rain",
        "wind", "sea", "sky", "fire", "gold", "iron", "rose", "oak", "fox",
        "owl", "bay", "hill"]
SYL2 = ["set", "light", "fall", "side", "field", "wood", "shore", "gate",
        "berg", "dale"]
WORDS = [a + b for a in SYL1 for b in SYL2]
CITIES = ["Tokyo", "Delhi", "Shanghai", "Sao Paulo", "Mexico City", "Cairo",
          "Mumbai", "Beijing", "Dhaka", "Osaka", "New York", "Karachi",
          "Buenos Aires", "Chongqing", "Istanbul", "Kolkata", "Manila",
          "Lagos", "Rio de Janeiro", "Tianjin", "Kinshasa", "Guangzhou",
          "Los Angeles", "Moscow", "Shenzhen", "Lahore", "Bangalore",
          "Paris", "Bogota", "Jakarta", "Chennai", "Lima", "Bangkok",
          "Seoul", "Nagoya", "Hyderabad", "London", "Tehran", "Chicago",
          "Chengdu", "Nanjing", "Wuhan", "Ho Chi Minh City", "Luanda",
          "Ahmedabad", "Kuala Lumpur", "Xian", "Hong Kong", "Dongguan",
          "Goa"]
TAGS = ["tag%03d" % i for i in range(NTAGS)]
M64 = (1 << 64) - 1


def mix(x):
    x = (x + 0x9e3779b97f4a7c15) & M64
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M64
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M64
    return x ^ (x >> 31)


def row(i, at):
    h, h2 = mix(i), mix(i ^ 0xabcdef)
    iid = "%08x-%04x-4%03x-8%03x-%012x" % (
        h >> 32, (h >> 16) & 0xffff, h & 0xfff, h2 >> 52, h2 & 0xffffffffffff)
    user = "user%05d" % (h % NUSERS)
    title = " ".join(WORDS[mix(h + k) % len(WORDS)] for k in range(2 + h2 % 3))
    tags = []
    for k in range(1 + (h >> 40) % 4):
        t = TAGS[mix(h2 + k) % NTAGS]
        if t not in tags:
            tags.append(t)
    tj = "[" + ",".join('"%s"' % t for t in tags) + "]"
    key = "images/%s/%s.jpg" % (user, iid)
    return (at, iid, user, "photo.jpg", key, "image/jpeg", h % 5000000,
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            640, 480, title, None, CITIES[mix(h2) % len(CITIES)], tj, at)


def main():
    data, count = sys.argv[1], int(sys.argv[2])
    files = len(sys.argv) > 3
    db = sqlite3.connect(os.path.join(data, "imaged.db"),
                         isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -262144")
    have = db.execute("SELECT count(*) FROM images").fetchone()[0]
    last = db.execute("SELECT last_created FROM catalog_seq").fetchone()[0]
    at = max(last, 1700000000000000)
    i = have
    bucket = os.path.join(data, "image-storage-bucket")
    while i < count:
        n = min(100000, count - i)
        rows = []
        for j in range(i, i + n):
            at += 1000
            rows.append(row(j, at))
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO images (created_at, image_id, user_id, filename,"
            " s3_key, content_type, file_size, checksum_sha256, width,"
            " height, title, description, location, tags, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.execute("UPDATE catalog_seq SET last_created = ?", (at,))
        db.execute("COMMIT")
        if files:
            for r in rows:
                p = os.path.join(bucket, r[4])
                os.makedirs(os.path.dirname(p), exist_ok=True)
                open(p, "wb").close()
        i += n
        print("seeded %d" % i, file=sys.stderr)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    r0 = db.execute("SELECT image_id, user_id FROM images"
                    " ORDER BY created_at LIMIT 1").fetchone()
    print(r0[0], r0[1])


main()
