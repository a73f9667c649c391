"""lat.py: the latency of one client's requests, one after another.

	python3 lat.py URL SECONDS
	python3 lat.py @FILE SECONDS

GETs URL (or each URL of FILE in turn, all on one host) over one
keep-alive connection for SECONDS and prints "REQUESTS_PER_SECOND P50_MS
P99_MS MAX_MS" (and "non-2xx!" if any answer was not 2xx).  Each request
is timed on its own, from sending to the last byte read, so one stalled
answer shows as itself.  URLs that differ are not answered from imaged's
memory of recent reads, so a file of them measures the catalog itself.
"""
import http.client
import sys
import time
import urllib.parse


def main():
    if sys.argv[1].startswith("@"):
        with open(sys.argv[1][1:]) as f:
            urls = [line.strip() for line in f if line.strip()]
    else:
        urls = [sys.argv[1]]
    secs = float(sys.argv[2])
    parts = [urllib.parse.urlsplit(x) for x in urls]
    paths = [u.path + ("?" + u.query if u.query else "") for u in parts]
    conn = http.client.HTTPConnection(parts[0].hostname, parts[0].port,
                                      timeout=60)
    lat, bad = [], False
    end = time.monotonic() + secs
    start = time.monotonic()
    while time.monotonic() < end:
        path = paths[len(lat) % len(paths)]
        t = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        lat.append(time.perf_counter() - t)
        bad = bad or not 200 <= r.status < 300
    took = time.monotonic() - start
    lat.sort()
    n = len(lat)
    print("%.0f %.3f %.3f %.3f%s" % (
        n / took, lat[n // 2] * 1e3, lat[min(n - 1, (n * 99) // 100)] * 1e3,
        lat[-1] * 1e3, " non-2xx!" if bad else ""))


main()
