#!/bin/sh
# src/console/embed.sh FILE...: print the C file that compiles the web
# console's files into the binary (console.h's console_assets[]).
#
# The files live in src/console/ rather than data/: they are the
# program's own source, built into every binary, where data/ holds inputs
# for the tests.  Each file becomes a byte array (od and sed, so the build
# needs nothing beyond POSIX tools and coreutils), and its ETag is the
# first 128 bits of its SHA-256, fixed at build time.
set -eu

printf '/* Made by src/console/embed.sh from src/console/: do not edit. */\n'
printf '#include "imaged/console.h"\n\n'
n=0
for f in "$@"; do
	printf 'static const unsigned char asset_%d[] = {\n' "$n"
	od -An -v -tx1 "$f" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' \
	    -e 's/^/\t/'
	printf '};\n\n'
	n=$((n + 1))
done
printf 'const struct console_asset console_assets[] = {\n'
n=0
for f in "$@"; do
	etag=$(sha256sum < "$f" | cut -c1-32)
	printf '\t{ .name = "%s", .data = asset_%d, .len = sizeof(asset_%d),\n' \
	    "$(basename "$f")" "$n" "$n"
	printf '\t  .etag = "\\"%s\\"" },\n' "$etag"
	n=$((n + 1))
done
printf '};\nconst size_t console_nassets = %d;\n' "$n"
