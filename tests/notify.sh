#!/bin/sh
# Readiness under a service manager: a stand-in for systemd listens on
# NOTIFY_SOCKET (a path, then an abstract '@' name) and records what
# imaged sends.  READY=1 must come once the daemon answers (the listener
# asks /healthz the moment it arrives), with STATUS= lines before and
# after, and STOPPING=1 when SIGTERM asks it to stop.  The installed unit
# is Type=notify; systemd-analyze verifies it where systemd is present.
. "$(dirname "$0")/lib.sh"

python=/usr/bin/python3
cat > "$work/listen.py" <<'PY'
import socket, sys, time, urllib.request
name, urlfile, out = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name[1:] if name.startswith("@") else name)
s.settimeout(20)
with open(out, "w") as f:
    print("listening", file=f, flush=True)
    while True:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            print("timeout", file=f, flush=True)
            break
        for line in msg.split("\n"):
            print(line, file=f, flush=True)
        if "READY=1" in msg.split("\n"):
            base = open(urlfile).read()
            code = urllib.request.urlopen(base + "/healthz").status
            print("healthz %d" % code, file=f, flush=True)
        if "STOPPING=1" in msg.split("\n"):
            break
PY

# run NAME SOCKET: a daemon under the listener on SOCKET.
run() {
	out="$work/$1.out"
	rm -f "$out"
	$python "$work/listen.py" "$2" "$work/url" "$out" &
	lpid=$!
	i=0
	until grep -q listening "$out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 500 ] || break
		sleep 0.01
	done
	NOTIFY_SOCKET=$2 start_daemon --ephemeral
	i=0
	until grep -q healthz "$out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 500 ] || break
		sleep 0.01
	done
	check "$1: stops with 0" stop_daemon
	wait $lpid
	check "$1: STATUS before READY" sh -c "sed -n '2p' '$out' |
	    grep -q '^STATUS=starting'"
	check "$1: READY=1 sent" grep -qx 'READY=1' "$out"
	check "$1: ready means answering" grep -qx 'healthz 200' "$out"
	check "$1: STATUS with READY names the URL" grep -q \
	    "^STATUS=serving on $BASE\$" "$out"
	check "$1: STOPPING=1 on SIGTERM" grep -qx 'STOPPING=1' "$out"
	check "$1: READY before STOPPING" sh -c "grep -n -e '^READY=1' \
	    -e '^STOPPING=1' '$out' | cut -d: -f2 | tr '\n' ' ' |
	    grep -qx 'READY=1 STOPPING=1 '"
	check "$1: nothing after STOPPING" [ "$(tail -n 1 "$out" |
	    cut -c1-7)" = STATUS= ]
}

run path "$work/notify.sock"
run abstract "@imaged-notify-test-$$"

# A socket nobody listens on costs a warning, never the daemon.
NOTIFY_SOCKET="$work/nobody.sock" start_daemon --ephemeral
check "no listener: still serves" [ "$(curl -s -o /dev/null -w \
    '%{http_code}' "$BASE/healthz")" = 200 ]
check "no listener: stops with 0" stop_daemon
check "no listener: warned" grep -q 'NOTIFY_SOCKET' "$work/log"

# The unit as installed: Type=notify, and clean for systemd-analyze.
unit="$work/imaged.service"
sed -e "s|@BINDIR@|$(cd "$(dirname "$IMAGED")" && pwd)|g" \
    -e "s|@SYSCONFDIR@|$work|g" etc/imaged.service.in > "$unit"
mkdir -p "$work/imaged" && cp etc/imaged.conf "$work/imaged/imaged.conf"
check "unit is Type=notify" grep -qx 'Type=notify' "$unit"
if command -v systemd-analyze >/dev/null 2>&1; then
	check "systemd-analyze verify" sh -c "systemd-analyze verify --man=no '$unit' \
	    > '$work/verify' 2>&1 || { cat '$work/verify' >&2; false; }"
fi
finish
