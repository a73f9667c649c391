"""lat.py: the latency of one client's requests, one after another.

	python3 lat.py URL SECONDS

GETs URL over one keep-alive connection for SECONDS and prints
"REQUESTS_PER_SECOND P50_MS P99_MS MAX_MS" (and "non-2xx!" if any answer
was not 2xx).  Each request is timed on its own, from sending to the last
byte read, so one stalled answer shows as itself.
"""
import http.client
import sys
import time
import urllib.parse


def main():
    u = urllib.parse.urlsplit(sys.argv[1])
    secs = float(sys.argv[2])
    path = u.path + ("?" + u.query if u.query else "")
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    lat, bad = [], False
    end = time.monotonic() + secs
    start = time.monotonic()
    while time.monotonic() < end:
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
