#!/bin/sh
# Hard limits: a slow client is cut off by the header deadline even when it
# trickles bytes, an idle one by the idle timeout, and oversized request
# lines and headers get 414 and 431; the daemon keeps serving others.
. "$(dirname "$0")/lib.sh"

start_daemon --ephemeral --header-timeout 2 --idle-timeout 3

port=${BASE##*:}

# A client that sends a header line every half second, for up to 8 s:
# prints how many seconds it was allowed to keep trickling.
cat > "$work/trickle.sh" <<'EOS'
trap '' PIPE
exec 3<>/dev/tcp/127.0.0.1/$1
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3
start=$SECONDS
while [ $((SECONDS - start)) -lt 8 ]; do
	sleep 0.5
	printf 'X-Slow: 1\r\n' >&3 2>/dev/null || break
done
echo $((SECONDS - start))
EOS
# An idle client: connects, says nothing; prints seconds until the EOF.
cat > "$work/idle.sh" <<'EOS'
exec 3<>/dev/tcp/127.0.0.1/$1
start=$SECONDS
timeout 10 cat <&3 >/dev/null
echo $((SECONDS - start))
EOS

if command -v bash >/dev/null; then
	bash "$work/trickle.sh" "$port" > "$work/trickle.out" 2>/dev/null &
	tpid=$!
	sleep 0.5
	check "others served meanwhile" [ "$(curl -s -o /dev/null -w '%{http_code}' \
	    "$BASE/healthz")" = 200 ]
	wait $tpid
	check "a trickling client is cut at the header deadline" \
	    [ "$(cat "$work/trickle.out")" -le 5 ]
	check "idle client closed" [ "$(bash "$work/idle.sh" "$port")" -le 6 ]
else
	not_ok "bash is needed for the slow-client tests"
fi

# Connections from one address past max_connections_per_client (3 here)
# are closed at once; the others are served, and so is the next one once
# a place frees up.
stop_daemon
start_daemon --ephemeral --max-connections-per-client 3
port=${BASE##*:}
cat > "$work/hold.sh" <<EOS
for i in 1 2 3; do exec {fd}<>/dev/tcp/127.0.0.1/$port; done
sleep 2
EOS
if command -v bash >/dev/null; then
	bash "$work/hold.sh" &
	hpid=$!
	sleep 0.5
	check "past the per-client limit: refused" [ "$(curl -s -o /dev/null \
	    -w '%{http_code}' "$BASE/healthz")" = 000 ]
	wait $hpid
	check "a place freed: served" [ "$(curl -s -o /dev/null -w '%{http_code}' \
	    "$BASE/healthz")" = 200 ]
fi

# Past max_connections (all clients together), a new connection is not
# taken up: it waits in the listen backlog until a place frees.
stop_daemon
start_daemon --ephemeral --max-connections 3 --workers 1
port=${BASE##*:}
sed "s|/[0-9]*; done|/$port; done|" "$work/hold.sh" > "$work/hold2.sh"
if command -v bash >/dev/null; then
	bash "$work/hold2.sh" &
	hpid=$!
	sleep 0.5
	t=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/healthz")
	check "past max_connections: waits for a place" [ "${t%%.*}" -ge 1 ]
	wait $hpid
fi

long=$(head -c 40000 /dev/zero | tr '\0' a)
check "long URL: 414" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "$BASE/images?x=$long")" = 414 ]
check "long headers: 431" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    -H "X-Big: $long" "$BASE/healthz")" = 431 ]
q=""
i=0
while [ $i -lt 70 ]; do q="$q&p$i=1"; i=$((i + 1)); done
check "too many query parameters: 414" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "$BASE/images?x=1$q")" = 414 ]

# Requests the HTTP layer must answer, and at once: each is sent whole on a
# raw socket and the status line must come back within 3 s (the idle
# timeout of this daemon is 30 s, so a hang cannot pass).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
cat > "$work/raw.py" <<'EOS'
import socket, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
req = open(path, "rb").read()
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(3)
t = time.time()
s.sendall(req)
got = b""
try:
    while b"\r\n" not in got:
        d = s.recv(4096)
        if not d:
            break
        got += d
except OSError:
    pass
ok = got.startswith(b"HTTP/1.1 ") and time.time() - t < 3
print(got[9:12].decode() if ok else "none")
EOS
# answered NAME STATUS FILE: the request in FILE gets STATUS at once.
answered() {
	got=$("$PY" "$work/raw.py" "$port" "$3")
	check "$1: $2 at once (got $got)" [ "$got" = "$2" ]
}
rq() {
	printf '%s' "$1" > "$work/req"
}
rq "$(printf 'POST /images HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\nContent-Type: application/json\r\n\r\nabc')"
answered "Transfer-Encoding gzip" 501 "$work/req"
rq "$(printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n')"
answered "Transfer-Encoding gzip, chunked" 501 "$work/req"
"$PY" -c 'import sys; sys.stdout.write("GET /images?" + "&" * 1000 + " HTTP/1.1\r\nHost: localhost\r\n\r\n")' > "$work/req"
answered "1000 empty query parameters" 414 "$work/req"
"$PY" -c 'import sys; sys.stdout.write("GET /images?" + "&".join(["a=b"] * 2000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n")' > "$work/req"
answered "2000 short query parameters" 414 "$work/req"
"$PY" -c 'import sys; sys.stdout.write("GET /images?" + "&" * 20000 + " HTTP/1.1\r\nHost: localhost\r\n\r\n")' > "$work/req"
answered "20000 empty query parameters" 414 "$work/req"
for n in 300 460 600 1000 3000; do
	"$PY" -c "import sys; sys.stdout.write('GET /images HTTP/1.1\r\nHost: localhost\r\n' + ''.join('a%d:\r\n' % i for i in range($n)) + '\r\n')" > "$work/req"
	got=$("$PY" "$work/raw.py" "$port" "$work/req")
	check "$n tiny headers: answered (got $got)" [ "$got" != none ]
	"$PY" -c "import sys; sys.stdout.write('GET /images HTTP/1.1\r\nHost: localhost\r\nCookie: ' + ';'.join(['a=1'] * $n) + '\r\n\r\n')" > "$work/req"
	got=$("$PY" "$work/raw.py" "$port" "$work/req")
	check "$n cookies: answered (got $got)" [ "$got" != none ]
done
# Every count of tiny fields across the band where the connection's pool
# fills, and one long field across the size that fills it alone: each
# request is answered at once (414 or 431, or the route's own answer while
# it fits), and those imaged refuses get the JSON error.
cat > "$work/sweep.py" <<'EOS'
import json, socket, sys
port = int(sys.argv[1])
def ask(req):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(3)
    s.sendall(req.encode())
    got = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except OSError:
        pass
    s.close()
    return got
silent, bad_json, refused = [], [], 0
for n in range(700, 1300):
    for kind, req in (
        ("headers", "GET /images HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" +
         "".join("a%d:\r\n" % i for i in range(n)) + "\r\n"),
        ("cookies", "GET /images HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" +
         "Cookie: " + ";".join(["a=1"] * n) + "\r\n\r\n")):
        got = ask(req)
        if not got.startswith(b"HTTP/1.1 "):
            silent.append("%d-%s" % (n, kind))
            continue
        head, _, body = got.partition(b"\r\n\r\n")
        if b"application/json" in head and got[9:12] == b"431":
            refused += 1
            if json.loads(body)["error"]["code"] != "REQUEST_HEADER_FIELDS_TOO_LARGE":
                bad_json.append("%d-%s" % (n, kind))
# One long field (a header value, the query, the path) across the size
# where it alone fills the pool: answered too.
for n in range(64000, 66600, 7):
    for kind, req in (
        ("value", "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
         "Connection: close\r\nX-Big: " + "a" * n + "\r\n\r\n"),
        ("query", "GET /images?user_id=" + "a" * n + " HTTP/1.1\r\n"
         "Host: localhost\r\nConnection: close\r\n\r\n"),
        ("path", "GET /images/" + "a" * n + " HTTP/1.1\r\n"
         "Host: localhost\r\nConnection: close\r\n\r\n")):
        if not ask(req).startswith(b"HTTP/1.1 "):
            silent.append("%d-long-%s" % (n, kind))
print(len(silent), len(bad_json), refused, " ".join(silent[:3]))
EOS
set -- $("$PY" "$work/sweep.py" "$port")
check "700-1299 tiny fields, or one of 64000-66600 bytes: all answered \
($1 not: $4 $5 $6)" \
    [ "$1" = 0 ]
check "imaged's own 431s carry the JSON error ($2 not)" [ "$2" = 0 ]
check "the requests that fill the pool are refused by imaged ($3)" \
    [ "$3" -gt 0 ]
"$PY" -c 'import sys; sys.stdout.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a" * 40000 + "\r\n\r\n")' > "$work/req"
answered "a 40000-byte header value" 431 "$work/req"
"$PY" -c 'import sys; sys.stdout.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + "X-Big: " + "a" * 20000 + "\r\nX-Big2: " + "a" * 14000 + "\r\n\r\n")' > "$work/req"
answered "headers over max_header_bytes in all" 431 "$work/req"
deep=$(head -c 40 /dev/zero | tr '\0' '[')
check "JSON nested too deep: 400" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/json' -d "{\"metadata\": $deep" \
    "$BASE/images")" = 400 ]
big=$(head -c 70000 /dev/zero | tr '\0' a)
check "PATCH body over 64 KiB: 413" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    -X PATCH -H 'Content-Type: application/json' \
    -d "{\"metadata\": {\"title\": \"$big\"}}" \
    "$BASE/images/f47ac10b-58cc-4372-a567-0e02b2c3d479")" = 413 ]
head -c 1100000 /dev/zero | tr '\0' a > "$work/rest"
printf '{"user_id": "u", "filename": "a.png", "x": "' > "$work/big.json"
cat "$work/rest" >> "$work/big.json"
printf '"}' >> "$work/big.json"
check "JSON fields over 1 MiB: 413" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary @"$work/big.json" \
    "$BASE/images")" = 413 ]
check "still serving" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "$BASE/healthz")" = 200 ]

# Readers that ask for a 10 MiB image's base64 JSON and never read: the
# answer is encoded as the socket drains, so memory stays flat (it was
# the whole answer, 13 MiB and more, per reader).
cp data/sample.png "$work/big.png"
head -c $((10485760 - $(wc -c < data/sample.png))) /dev/urandom >> "$work/big.png"
id=$(curl -s -H 'Content-Type: image/png' --data-binary @"$work/big.png" \
    "$BASE/images?user_id=big&filename=big.png" |
    sed -n 's/.*"image_id": "\([^"]*\)".*/\1/p')
cat > "$work/stall.py" <<'EOS'
import socket, sys, time
port, path, n, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
def rss():
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
idle = rss()
held = []
for i in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path).encode())
    held.append(s)
peak = idle
for i in range(20):
    time.sleep(0.1)
    peak = max(peak, rss())
print((peak - idle) // 1024)
EOS
grow=$("$PY" "$work/stall.py" "$port" "/images/$id?download=true" 20 "$pid")
check "20 stalled readers of a 10 MiB download: under 32 MiB more (got ${grow} MiB)" \
    [ -n "$id" -a "${grow:-999}" -lt 32 ]
check "served after the stalled readers" [ "$(curl -s -o /dev/null \
    -w '%{http_code}' "$BASE/healthz")" = 200 ]
stop_daemon
check "the cut was logged" grep -q 'connection cut' "$work/log"
check "the refused connection was logged" grep -q 'connection limit' "$work/log"
check "the 431 was logged" grep -q '431' "$work/log"

# A body trickled a byte every half second, which never trips the idle
# timer (3 s here): with body_timeout 2 and body_min_rate 1K it is cut
# after about 2 s, and nothing is stored.
start_daemon --ephemeral --idle-timeout 3 --body-timeout 2 \
    --body-min-rate 1K
port=${BASE##*:}
cat > "$work/trickle_body.sh" <<'EOS'
trap '' PIPE
exec 3<>/dev/tcp/127.0.0.1/$1
printf 'POST /images?user_id=u&filename=a.png HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n' >&3
start=$SECONDS
while [ $((SECONDS - start)) -lt 10 ]; do
	sleep 0.5
	printf 'x' >&3 2>/dev/null || break
done
echo $((SECONDS - start))
EOS
if command -v bash >/dev/null; then
	took=$(bash "$work/trickle_body.sh" "$port" 2>/dev/null)
	check "a trickled body is cut by body_timeout (after ${took}s)" \
	    [ "${took:-99}" -le 5 ]
	check "nothing stored from it" [ "$(curl -s "$BASE/images" |
	    sed -n 's/.*"count": \([0-9]*\).*/\1/p')" = 0 ]
	check "the body cut was logged" grep -q 'a body slower than' "$work/log"
fi
# A body at a fair pace is not cut, though it takes longer than
# body_timeout: about 3 KB a second for 4 s against 2 s + 1 s per KiB.
cat > "$work/steady_body.sh" <<'EOS'
exec 3<>/dev/tcp/127.0.0.1/$1
printf 'PATCH /images/f47ac10b-58cc-4372-a567-0e02b2c3d479 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 12288\r\nConnection: close\r\n\r\n' >&3
printf '{"metadata": {"title": "' >&3
n=24
for i in 1 2 3 4; do
	sleep 1
	head -c 3000 /dev/zero | tr '\0' a >&3
	n=$((n + 3000))
done
head -c $((12288 - n - 3)) /dev/zero | tr '\0' a >&3
printf '"}}' >&3
head -c 12 <&3
EOS
if command -v bash >/dev/null; then
	got=$(bash "$work/steady_body.sh" "$port" 2>/dev/null)
	check "a body at a fair pace is answered (got: $got)" \
	    [ "$got" = "HTTP/1.1 400" ]
fi
stop_daemon

# The open-files limit: a soft limit below the hard one is raised; a hard
# limit too low for max_connections is warned about.
: > "$work/log"
(ulimit -Sn 100 && start_daemon --ephemeral && grep -E '^Max open files' \
    "/proc/$pid/limits" > "$work/nofile" && stop_daemon)
check "soft open-files limit raised to the hard one" \
    [ "$(awk '{ print $4 }' "$work/nofile")" = "$(ulimit -Hn)" ]
check "no warning when the hard limit suffices" \
    sh -c "[ \"\$(ulimit -Hn)\" != unlimited ] && [ \"\$(ulimit -Hn)\" -lt 2112 ] || ! grep -q 'open files limit' '$work/log'"
(ulimit -n 200 && start_daemon --ephemeral && stop_daemon)
check "a hard limit short of max_connections is warned about" \
    grep -q 'open files limit 200 is below' "$work/log"
finish
