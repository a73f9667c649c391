#!/bin/sh
# make-samples.sh: how the sample images in data/ were made.  The images
# are committed; the build and the tests never run this.  It needs
# ImageMagick 6 (convert), cwebp (package webp) and exiftool (package
# libimage-exiftool-perl), and rewrites every file it names.
#
# Each image has its own width and height so that a test can tell which
# file's header it read.  -strip keeps encoder dates and profiles out, so
# the files stay small and a rerun changes little.
set -eu
cd "$(dirname "$0")"
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Baseline JPEG (SOF0), 16x12.
convert -size 16x12 gradient:red-blue -strip -quality 85 sample.jpg
# Progressive JPEG (SOF2), 17x13.
convert -size 17x13 gradient:yellow-navy -strip -quality 85 \
    -interlace Plane sample-progressive.jpg
# PNG, 8x6.
convert -size 8x6 gradient:green-yellow -strip -depth 8 sample.png
# GIF, 10x7.
convert -size 10x7 gradient:orange-purple -strip -colors 16 sample.gif
# Lossy WebP (a VP8 chunk), 12x9.
convert -size 12x9 gradient:cyan-magenta -strip "$tmp/webp.png"
cwebp -quiet -q 80 "$tmp/webp.png" -o sample.webp
# Lossless WebP (a VP8L chunk), 14x5.
convert -size 14x5 gradient:white-teal -strip "$tmp/lossless.png"
cwebp -quiet -lossless "$tmp/lossless.png" -o sample-lossless.webp
# Lossy WebP with alpha (VP8X, ALPH and VP8 chunks), 20x15.
convert -size 20x15 gradient:blue-orange -alpha set -channel A \
    -evaluate set 60% +channel -strip "$tmp/alpha.png"
cwebp -quiet -q 80 -alpha_q 100 "$tmp/alpha.png" -o sample-alpha.webp

# JPEG with a 3 KiB EXIF APP1 segment ahead of its SOF0, 24x18.
convert -size 24x18 gradient:purple-lime -strip -quality 85 "$tmp/exif.jpg"
desc=$(yes 'A sample image whose EXIF segment comes before its frame header. ' |
    head -n 48 | tr -d '\n')
rm -f sample-exif.jpg
exiftool -q -o sample-exif.jpg -ImageDescription="$desc" \
    -Artist='imaged test data' "$tmp/exif.jpg"

# Broken files: the magic is right, the header is not.
# The baseline JPEG cut 5 bytes into its SOF0 segment (length, precision,
# part of the height): the height and width cannot be read.
sof=$(grep -obUaP '\xff\xc0' sample.jpg | head -n 1 | cut -d: -f1)
head -c "$((sof + 2 + 5))" sample.jpg > bad/corrupt-sof.jpg
# The PNG cut 4 bytes into its IHDR data: the width is there, the height is not.
head -c 20 sample.png > bad/short-ihdr.png
# Plain text under an image's name.
printf 'This is a text file, not a PNG image.\n' > bad/not-an-image.png
