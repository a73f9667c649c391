"""Start N imaged daemons at once, each with --ephemeral --port 0
--url-file, and time each from its spawn until its URL file holds the
URL.  Prints one line of figures; exits 1 unless all came up on distinct
ports.  Usage: startup.py IMAGED [N]"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def main():
    imaged = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    work = tempfile.mkdtemp(prefix="imaged-startup.")
    procs, started, took, urls = [], [], [None] * n, [None] * n
    try:
        t0 = time.monotonic()
        for i in range(n):
            started.append(time.monotonic())
            procs.append(subprocess.Popen(
                [imaged, "--ephemeral", "--port", "0",
                 "--url-file", os.path.join(work, "url.%d" % i)],
                stderr=subprocess.DEVNULL, env=dict(os.environ, TMPDIR=work)))
        deadline = time.monotonic() + 30
        while None in took and time.monotonic() < deadline:
            for i in range(n):
                if took[i] is not None:
                    continue
                path = os.path.join(work, "url.%d" % i)
                try:
                    with open(path) as f:
                        url = f.read()
                except FileNotFoundError:
                    continue
                if url:
                    took[i] = time.monotonic() - started[i]
                    urls[i] = url
            time.sleep(0.0005)
        all_up = time.monotonic() - t0
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    up = sorted(t for t in took if t is not None)
    ok = len(up) == n and len(set(urls)) == n
    if up:
        print("%d daemons at once: %d up on %d distinct ports; start to URL "
              "file: median %.0f ms, worst %.0f ms; all up after %.0f ms"
              % (n, len(up), len(set(u for u in urls if u)),
                 up[len(up) // 2] * 1000, up[-1] * 1000, all_up * 1000))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
