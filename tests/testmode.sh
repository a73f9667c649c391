#!/bin/sh
# test_mode against the built binary: two runs of one script with a fixed
# clock and id seed answer byte for byte the same; a signed URL expires in
# milliseconds of real time; the README's pytest and shell recipes run as
# written; fifty daemons started at once on port 0 all come up.
. "$(dirname "$0")/lib.sh"

PYTHON=${PYTHON:-/usr/bin/python3}
png=data/sample.png
fixed="--test-mode on --clock 2026-01-01T00:00:00Z --id-seed 42"

# One scripted run; every answer, status line and headers included,
# goes to $1.  public_url keeps the random port out of the URLs.
script() {
	out=$1
	: > "$out"
	r() { curl -si "$@" >> "$out"; echo >> "$out"; }
	b64=$(base64 -w0 "$png")
	for user in alice bob alice; do
		printf '{"image_data": "%s", "user_id": "%s", "filename": "a.png", "metadata": {"title": "t %s", "tags": ["x"]}}' \
		    "$b64" "$user" "$user" > "$work/body.json"
		r -X POST "$BASE/images" -H 'Content-Type: application/json' \
		    --data-binary @"$work/body.json"
	done
	r -X POST "$BASE/_imaged/clock" -d '{"advance": 30}'
	r "$BASE/images?limit=2"
	cursor=$(curl -s "$BASE/images?limit=2" | jq -r .last_evaluated_key)
	r "$BASE/images?limit=2&last_evaluated_key=$cursor"
	id=$(curl -s "$BASE/images?user_id=bob" | jq -r '.images[0].image_id')
	r -X PATCH "$BASE/images/$id" -d '{"metadata": {"title": "new"}}'
	r "$BASE/images/$id?expires_in=60"
	url=$(curl -s "$BASE/images/$id" | jq -r .download_url | sed "s|http://imaged.test||")
	r -o /dev/null "$BASE$url"
	r -H 'Range: bytes=0-9' "$BASE$url"
	r "$BASE/images/$id?download=true"
	r -X POST "$BASE/_imaged/faults" -d '{"path": "/images", "status": 503, "times": 1}'
	r "$BASE/images"
	r -X DELETE "$BASE/images/$id"
	r "$BASE/images?order=asc"
	r -X POST "$BASE/_imaged/reset"
	r "$BASE/images"
}

# The same signing key in both runs, so that signatures match too.
head -c 32 /dev/urandom > "$work/signing.key"
chmod 600 "$work/signing.key"
for run in 1 2; do
	start_daemon --ephemeral --public-url http://imaged.test $fixed \
	    --signing-key-file "$work/signing.key" ||
	    { not_ok "start run $run"; finish; exit; }
	script "$work/run$run.txt"
	stop_daemon
done
check "run 1 answered" grep -q '^HTTP/1.1 201' "$work/run1.txt"
check "fixed Date" grep -q '^Date: Thu, 01 Jan 2026 00:00:30 GMT' "$work/run1.txt"
if cmp -s "$work/run1.txt" "$work/run2.txt"; then
	ok
	echo "testmode: two runs byte-identical: $(wc -c < "$work/run1.txt") bytes," \
	    "sha256 $(sha256sum < "$work/run1.txt" | cut -c1-16)…" \
	    "$(grep -c '^HTTP/1.1' "$work/run1.txt") answers"
else
	not_ok "two runs differ"
	diff "$work/run1.txt" "$work/run2.txt" | head -20 >&2
fi

# A signed URL's hour of life, passed in milliseconds of real time.
start_daemon --ephemeral $fixed || { not_ok "start"; finish; exit; }
t0=$(date +%s%N)
url=$(curl -s -X POST "$BASE/images" -H 'Content-Type: application/json' \
    -d "{\"image_data\": \"$(base64 -w0 "$png")\", \"user_id\": \"u\", \"filename\": \"a.png\"}" |
    jq -r .download_url)
s1=$(curl -s -o /dev/null -w '%{http_code}' "$url")
curl -s -o /dev/null -X POST "$BASE/_imaged/clock" -d '{"advance": 3600}'
s2=$(curl -s -o /dev/null -w '%{http_code}' "$url")
curl -s -o /dev/null -X POST "$BASE/_imaged/clock" -d '{"advance": 1}'
s3=$(curl -s "$url" | jq -r .error.code)
t1=$(date +%s%N)
check "URL valid, valid at its last second, then EXPIRED" \
    [ "$s1 $s2 $s3" = "200 200 EXPIRED" ]
echo "testmode: a 3600 s URL expired after $(( (t1 - t0) / 1000000 )) ms of real time"
# Off by default: the control routes are 404.
stop_daemon
start_daemon --ephemeral || { not_ok "start"; finish; exit; }
check "control routes 404 without test_mode" \
    [ "$(curl -s -X POST "$BASE/_imaged/reset" | jq -r .error.code)" = NOT_FOUND ]
stop_daemon
check "test_mode refused on a public address" \
    sh -c "! '$IMAGED' --ephemeral --port 0 --listen 0.0.0.0 --test-mode on 2>/dev/null"

# The README's recipes, run as written, with imaged on the PATH.
mkdir -p "$work/bin"
ln -s "$(cd "$(dirname "$IMAGED")" && pwd)/$(basename "$IMAGED")" "$work/bin/imaged"
awk -v py="$work/test_recipe.py" -v sh="$work/recipe.sh" '
	/^## / { inside = ($0 == "## In your test suite") }
	inside && /^```python$/ { file = py; next }
	inside && /^```sh$/ { file = sh; next }
	inside && /^```$/ { file = ""; next }
	file != "" { print > file }
' README.md
if [ -s "$work/test_recipe.py" ] &&
    (cd "$work" && PATH="$work/bin:$PATH" "$PYTHON" -m pytest -q \
    -p no:cacheprovider test_recipe.py > pytest.out 2>&1); then
	ok
else
	not_ok "README pytest recipe"
	cat "$work/pytest.out" >&2
fi
if [ -s "$work/recipe.sh" ] &&
    PATH="$work/bin:$PATH" sh "$work/recipe.sh" > "$work/recipe.out" \
    2>"$work/recipe.err" &&
    [ "$(tail -2 "$work/recipe.out" | tr '\n' ' ')" = "503 200 " ]; then
	ok
else
	not_ok "README shell recipe"
	cat "$work/recipe.out" "$work/recipe.err" >&2
fi

# Fifty daemons at once on port 0: all come up, each on its own port
# (tests/bench/startup.py times each from spawn to its URL file).
if out=$("$PYTHON" tests/bench/startup.py "$IMAGED" 50); then
	ok
else
	not_ok "fifty daemons at once"
fi
echo "testmode: $out"
finish
