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

long=$(head -c 40000 /dev/zero | tr '\0' a)
check "long URL: 414" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "$BASE/images?x=$long")" = 414 ]
check "long headers: 431" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    -H "X-Big: $long" "$BASE/healthz")" = 431 ]
q=""
i=0
while [ $i -lt 70 ]; do q="$q&p$i=1"; i=$((i + 1)); done
check "too many query parameters: 400" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "$BASE/images?x=1$q")" = 400 ]
deep=$(head -c 40 /dev/zero | tr '\0' '[')
check "JSON nested too deep: 400" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/json' -d "{\"metadata\": $deep" \
    "$BASE/images")" = 400 ]
check "still serving" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "$BASE/healthz")" = 200 ]
stop_daemon
check "the cut was logged" grep -q 'connection cut' "$work/log"
finish
