#!/bin/sh
# tests/fuzz/make-seeds.sh: write the seed corpora in tests/fuzz/corpus/.
#
# Run from the top of the tree; needs cc, pkg-config, libsodium and nettle
# (the cursors and signed URLs are sealed with the fixed key the cursor and
# query targets use, so the seeds open).  The seeds are committed; this
# script says how they were made and remakes them.  Regression inputs in
# tests/fuzz/regressions/ are copied in as well, so that every run
# replays them.
set -eu
C=tests/fuzz/corpus
tmp=$(mktemp -d "${TMPDIR:-/tmp}/imaged-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p $C/jsonupload $C/meta $C/multipart $C/cursor $C/httputil \
    $C/router $C/imgsniff $C/query $C/rendparams

# --- sealing with the fuzz key ----------------------------------------------
cat > "$tmp/seal.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imaged/cursor.h"
#include "imaged/signer.h"

/* seal asc|desc CREATED_AT IMAGE_ID, or sign PATH EXPIRES */
int
main(int argc, char *argv[])
{
	unsigned char	 key[SIGNER_KEY_LEN];
	struct signer	*s;
	struct list_pos	 pos;
	char		 out[CURSOR_TEXT_LEN + SIGNER_SIG_HEX + 2];

	memcpy(key, "imaged fuzz cursor key 32 bytes", SIGNER_KEY_LEN);
	if (argc != 4 && argc != 5)
		return 2;
	if (signer_new(key, &s) != IMG_OK)
		return 1;
	if (strcmp(argv[1], "seal") == 0) {
		pos.created_at = strtoll(argv[3], NULL, 10);
		snprintf(pos.image_id, sizeof(pos.image_id), "%s", argv[4]);
		cursor_seal(s, strcmp(argv[2], "asc") == 0 ? LIST_ASC :
		    LIST_DESC, &pos, out);
	} else
		signer_sign_url(s, argv[2], strtoll(argv[3], NULL, 10), out);
	printf("%s", out);
	signer_free(s);
	return 0;
}
EOF
${CC:-cc} -std=c11 -D_GNU_SOURCE -Iinclude -o "$tmp/seal" "$tmp/seal.c" \
    src/signer.c src/cursor.c src/text.c src/buf.c src/log.c \
    $(pkg-config --cflags --libs libsodium nettle)

ID1=0d9c3a1e-5b6f-4c2d-8e7a-1f2b3c4d5e01
ID2=0d9c3a1e-5b6f-4c2d-8e7a-1f2b3c4d5e02
ID3=0d9c3a1e-5b6f-4c2d-8e7a-1f2b3c4d5e03
NOW=1795556425123456
cur_desc=$("$tmp/seal" seal desc $NOW $ID1)
cur_asc=$("$tmp/seal" seal asc $NOW $ID2)
cur_zero=$("$tmp/seal" seal desc 0 00000000-0000-0000-0000-000000000000)
cur_neg=$("$tmp/seal" seal asc -1 ffffffff-ffff-ffff-ffff-ffffffffffff)
EXP=4102444800	# 2100-01-01
KEY1=images/user123/$ID1.jpg
sig1=$("$tmp/seal" sign "/blobs/$KEY1" $EXP)

# --- jsonupload: upload bodies ------------------------------------------------
png=$(base64 -w0 data/sample.png)
gif=$(base64 -w0 data/sample.gif)
jpg=$(base64 -w0 data/sample.jpg)
webp=$(base64 -w0 data/sample.webp)
printf '{"user_id": "user123", "filename": "cat.png", "image_data": "%s", "metadata": {"title": "Cat", "tags": ["pets"], "location": "Home"}}' \
    "$png" > $C/jsonupload/upload-png.json
printf '{"image_data": "%s",\n "user_id": "user123", "filename": "sunset.jpg",\n "metadata": {"title": "Sunset", "tags": ["beach", "sunset"], "location": "Goa"}}\n' \
    "$jpg" > $C/jsonupload/upload-jpg-first.json
printf '{"user_id":"u1","filename":"a.gif","image_data":"data:image/gif;base64,%s"}' \
    "$gif" > $C/jsonupload/data-uri.json
# base64 as `base64` prints it (76 columns), escaped as some encoders do.
wrapped=$(base64 data/sample.webp | sed 's,/,\\/,g; s,+,\\u002B,g' |
    awk '{ printf "%s\\n", $0 }')
printf '{"user_id": "u1", "filename": "x.webp", "image_data": "%s", "extra": [1, -2.5e3, true, false, null, {"k": "\\u00e9\\ud83d\\ude00"}]}' \
    "$wrapped" > $C/jsonupload/escaped.json
printf '{"user_id": "u", "filename": "a.png", "image_data": null}' \
    > $C/jsonupload/image-null.json
printf '{"user_id": "u", "metadata": {"image_data": "QUJD", "tags": []}}' \
    > $C/jsonupload/no-image.json
printf '{"image_data": "QQ==", "image_data": "QkM="}' \
    > $C/jsonupload/repeated-key.json
printf '{"image_data": "!!!not base64"}' > $C/jsonupload/bad-base64.json
printf '{"image_data": "data:text/plain;base64,QQ=="}' \
    > $C/jsonupload/bad-prefix.json
printf '[1, "image_data", {"image_data": "QQ=="}]' > $C/jsonupload/array.json
printf '{"image\\u005fdata": "SGVsbG8=", "a": [[[[[[{"b": [[]]}]]]]]]}' \
    > $C/jsonupload/escaped-key.json

# --- meta: PATCH bodies, metadata objects and raw field values ------------------
printf '{"metadata": {"title": "New title", "description": "A day at the beach", "location": null, "tags": ["beach", "sunset", "beach"]}}' \
    > $C/meta/patch.json
printf '{"title": "\\u00c9t\\u00e9 \\ud83c\\udf05", "tags": ["caf\\u00e9", " spaced "], "other": 1}' \
    > $C/meta/unicode.json
printf '{"metadata": {"title": 5}}' > $C/meta/wrong-type.json
printf '{"metadata": {"tags": "beach"}}' > $C/meta/tags-string.json
printf '{"metadata": {"title": "a\\u0000b", "tags": [""]}}' > $C/meta/nul.json
{
	printf '{"metadata": {"tags": ['
	i=0
	while [ $i -lt 33 ]; do
		printf '%s"t%d"' "$([ $i -gt 0 ] && echo ,)" $i
		i=$((i + 1))
	done
	printf ']}}'
} > $C/meta/too-many-tags.json
printf 'user123' > $C/meta/user-id
printf 'photo.JPEG' > $C/meta/filename
printf '\303\251t\303\251 "2026".png' > $C/meta/filename-utf8
printf '../x.png' > $C/meta/filename-slash
printf 'beach, sunset ,,pets\t,beach' > $C/meta/tags-csv
printf '\355\240\200 surrogate' > $C/meta/bad-utf8

# --- multipart: bodies as curl -F sends them --------------------------------------
B=------------------------d74496d66958873e
{
	printf -- '--%s\r\n' $B
	printf 'Content-Disposition: form-data; name="user_id"\r\n\r\nuser123\r\n'
	printf -- '--%s\r\n' $B
	printf 'Content-Disposition: form-data; name="file"; filename="sample.png"\r\n'
	printf 'Content-Type: image/png\r\n\r\n'
	cat data/sample.png
	printf '\r\n--%s\r\n' $B
	printf 'Content-Disposition: form-data; name="metadata"\r\n'
	printf 'Content-Type: application/json\r\n\r\n'
	printf '{"title": "Cat", "tags": ["pets"]}\r\n'
	printf -- '--%s--\r\n' $B
} > $C/multipart/curl-F.bin
{
	printf 'preamble to ignore\r\n--%s  \r\n' $B
	printf 'content-disposition: form-data; name=filename\n\nsunset.jpg\r\n'
	printf -- '--%s\r\n' $B
	printf "Content-Disposition: form-data; name=\"file\"; filename=\"C:\\\\x\\\\a.jpg\"; filename*=UTF-8''%%C3%%A9t%%C3%%A9.jpg\r\n"
	printf 'Content-Type: image/jpeg\r\n\r\n'
	cat data/sample.jpg
	printf '\r\n--%s--\r\nepilogue\r\n' $B
} > $C/multipart/filename-star.bin
{
	printf -- '--%s\r\n' $B
	printf "Content-Disposition: form-data; name=\"f\"; filename*=iso-8859-1'en'caf%%E9.gif\r\n\r\n"
	cat data/sample.gif
	printf '\r\n\r\n--%s\r\n' $B
	printf 'Content-Disposition: form-data; name="a\\"b"\r\n\r\n\r\n--%s--' $B
} > $C/multipart/latin1.bin
printf -- '--%s\r\nContent-Disposition: form-data; name="x"\r\n\r\nno closing delimiter' \
    $B > $C/multipart/truncated.bin
printf -- '--%s\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n--%s--\r\n' \
    $B $B > $C/multipart/no-name.bin
printf -- '------fuzzboundary\r\nContent-Disposition: form-data; name="tags"\r\n\r\nbeach,sunset\r\n------fuzzboundary--\r\n' \
    > $C/multipart/fixed-boundary.bin

# --- cursor ------------------------------------------------------------------------
printf '%s' "$cur_desc" > $C/cursor/desc
printf '%s' "$cur_asc" > $C/cursor/asc
printf '%s' "$cur_zero" > $C/cursor/zero
printf '%s' "$cur_neg" > $C/cursor/negative
printf '%s' "$cur_desc" | tr a-f A-F > $C/cursor/upper
printf '%s' "$cur_desc" | cut -c1-80 > $C/cursor/short

# --- httputil: header values, a second operand after a newline ---------------------
printf 'bytes=0-99' > $C/httputil/range
printf 'bytes=-500' > $C/httputil/range-suffix
printf 'bytes=100-' > $C/httputil/range-open
printf ' Bytes = 5 - 10 ' > $C/httputil/range-blanks
printf 'bytes=0-0,5-9' > $C/httputil/range-multi
printf 'bytes=18446744073709551615-18446744073709551616' > $C/httputil/range-huge
printf 'image/webp,image/apng,image/*,*/*;q=0.8' > $C/httputil/accept-browser
printf 'text/html, application/xhtml+xml;q=0.9, */*;q=0.8' > $C/httputil/accept-html
printf 'application/octet-stream;q=0, image/png; q=0.001; x="a,b"' \
    > $C/httputil/accept-q
printf '"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"\n"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"' \
    > $C/httputil/etag
printf 'W/"abc", , "def"\nW/"def"' > $C/httputil/etag-list
printf ' * \n"x"' > $C/httputil/etag-star
printf 'multipart/form-data; boundary=%s\nboundary' $B > $C/httputil/content-type
printf 'multipart/form-data; BOUNDARY="a b\\"c";charset=utf-8\ncharset' \
    > $C/httputil/content-type-quoted
printf 'application/vnd.api+json ;; charset = utf-8' > $C/httputil/content-type-json
printf '2026-01-01' > $C/httputil/date
printf '2026-11-24T21:40:25.123456Z' > $C/httputil/datetime
printf '2024-02-29t23:59:59.9999999+05:30' > $C/httputil/datetime-offset
printf '0000-01-01T00:00:00-23:59' > $C/httputil/datetime-min
printf '3F2504E0-4F89-11D3-9A0C-0305E82C3301' > $C/httputil/uuid
printf 'req-123 abc' > $C/httputil/request-id
printf '\303\251t\303\251 "2026" 100%%.jpg' > $C/httputil/filename

# --- router: paths, with and without stage prefixes ---------------------------------
printf '/images' > $C/router/images
printf '/images/%s' $ID1 > $C/router/image
printf '/dev/images/%s' $ID1 > $C/router/stage-image
printf '/restapis/abc123/dev/_user_request_/images' > $C/router/localstack
printf '/restapis/abc123/dev/_user_request_/images/%s' $ID2 \
    > $C/router/localstack-image
printf '/blobs/%s' $KEY1 > $C/router/blob
printf '/dev/healthz' > $C/router/healthz
printf '/restapis//dev/_user_request_/images' > $C/router/empty-api-id
printf '/images/%01025d' 0 > $C/router/long-param

# --- imgsniff: the sample images ------------------------------------------------------
for f in data/*.jpg data/*.png data/*.gif data/*.webp data/bad/*; do
	cp "$f" $C/imgsniff/
done

# --- query: request heads for the read-only handlers ------------------------------------
printf 'GET /images?user_id=user123&limit=20' > $C/query/list
printf 'GET /images?order=asc&limit=1' > $C/query/list-asc
printf 'GET /images?tags=beach,sunset&tags=pets&tags_match=all&title=Sun&location=go%%61' \
    > $C/query/list-filters
printf 'GET /images?created_after=2026-01-01&created_before=2100-01-01T00:00:00%%2B01:00' \
    > $C/query/list-dates
printf 'GET /images?user_id=user123&limit=1&last_evaluated_key=%s' "$cur_desc" \
    > $C/query/list-cursor
printf 'GET /dev/images?order=asc&page_size=2&last_key=%s' "$cur_asc" \
    > $C/query/list-cursor-asc
printf 'GET /images?limit=0&order=sideways' > $C/query/list-bad
printf 'HEAD /restapis/abc123/dev/_user_request_/images?user_id=user123&title=%%C3%%A9' \
    > $C/query/list-localstack
printf 'GET /images/%s?expires_in=600\nHost: example.com' $ID1 > $C/query/get
printf 'GET /images/%s?download=true\nAccept: image/png\nRange: bytes=0-9\n' $ID2 \
    > $C/query/get-range
printf 'GET /images/%s?download=TRUE\nIf-None-Match: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"\nAccept: image/*\n' \
    $ID3 > $C/query/get-etag
printf 'GET /dev/images/%s?download=true' $ID1 > $C/query/get-base64
printf 'GET /images/not-a-uuid' > $C/query/get-bad-id
printf 'GET /blobs/%s?expires=%s&signature=%s\r\nRange: bytes=-10\r\n' \
    $KEY1 $EXP "$sig1" > $C/query/blob
printf 'GET /blobs/%s?expires=1&signature=%s' $KEY1 "$sig1" > $C/query/blob-bad-sig
printf 'GET /healthz' > $C/query/healthz
{
	printf 'POST /images?user_id=user123&filename=cat.png&title=Cat&tags=pets,cute\n'
	printf 'Content-Type: image/png\n\n'
	cat data/sample.png
} > $C/query/upload-raw
{
	printf 'POST /dev/images?user_id=u1&filename=a.gif&description=%%C3%%A9\r\n'
	printf 'Content-Type: application/octet-stream\r\n\r\n'
	cat data/sample.gif
} > $C/query/upload-raw-octet
{
	printf 'POST /images\nContent-Type: application/json\n\n'
	cat $C/jsonupload/upload-jpg-first.json
} > $C/query/upload-json
{
	printf 'POST /images\nContent-Type: text/plain\n\n'
	cat $C/jsonupload/data-uri.json
} > $C/query/upload-json-data-uri
{
	printf 'POST /restapis/abc123/dev/_user_request_/images\n'
	printf 'Content-Type: multipart/form-data; boundary=%s\n\n' $B
	cat $C/multipart/curl-F.bin
} > $C/query/upload-multipart
{
	printf 'POST /images?user_id=user123&filename=x.webp\n'
	printf 'Content-Type: image/webp\n\n'
	cat data/sample.png
} > $C/query/upload-wrong-kind

# --- regressions, replayed by every run ----------------------------------------------
for f in tests/fuzz/regressions/*; do
	[ -f "$f" ] || continue
	name=$(basename "$f")
	target=${name%%-*}
	[ -d "$C/$target" ] || continue
	cp "$f" "$C/$target/regression-${name#*-}"
done

# --- rendparams: rendition= specs, query values, the renditions setting ------
printf 'thumb' > $C/rendparams/preset
printf 'w256' > $C/rendparams/width
printf 'x128:jpeg:q75' > $C/rendparams/height
printf '256x256:cover:webp' > $C/rendparams/spec
printf '800x600:contain:png:q90' > $C/rendparams/spec-full
printf 'thumb:256x256:cover:webp, big:w2048:q90' > $C/rendparams/setting
printf '4096' > $C/rendparams/number
printf 'cover' > $C/rendparams/fit
printf 'avif' > $C/rendparams/format

# --- query: renditions ------------------------------------------------------
printf 'GET /images/%s?download=true&w=256&h=256&fit=cover&format=webp&q=80' \
    0d9c3a1e-5b6f-4c2d-8e7a-1f2b3c4d5e01 > $C/query/get-rendition
printf 'GET /images/%s?rendition=256x256:contain:png' \
    0d9c3a1e-5b6f-4c2d-8e7a-1f2b3c4d5e02 > $C/query/get-rendition-url
printf 'GET /blobs/images/user123/%s.jpg?w=64&fit=inside&format=jpeg&q=82&expires=4102444800&signature=00' \
    0d9c3a1e-5b6f-4c2d-8e7a-1f2b3c4d5e01 > $C/query/blob-rendition
