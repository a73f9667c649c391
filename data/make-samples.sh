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

# For renditions (these two need only Python 3).
# sample.jpg with an EXIF Orientation of 6 (rotate 90 degrees clockwise to
# view): 16x12 stored, 12x16 upright.  The APP1 segment holds one IFD entry.
python3 - <<'PY'
src = open("sample.jpg", "rb").read()
tiff = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01" + \
    b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00" + b"\x00\x00\x00\x00"
body = b"Exif\x00\x00" + tiff
app1 = b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body
open("sample-rotated.jpg", "wb").write(src[:2] + app1 + src[2:])
PY
# An animated GIF of three 11x8 frames: red, green, blue.  The LZW stream
# sends a clear code before every two pixels, so codes stay 3 bits wide.
python3 - <<'PY'
w, h = 11, 8
out = bytearray(b"GIF89a" + w.to_bytes(2, "little") + h.to_bytes(2, "little"))
out += bytes([0x81, 0, 0])                      # 4-colour global table
out += bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0])
out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"   # loop forever
for colour in range(3):
    out += b"\x21\xf9\x04\x00\x0a\x00\x00\x00"  # 0.1 s a frame
    out += b"\x2c\x00\x00\x00\x00" + w.to_bytes(2, "little") + \
        h.to_bytes(2, "little") + b"\x00\x02"
    codes = []
    pixels = [colour] * (w * h)
    for i in range(0, len(pixels), 2):
        codes += [4] + pixels[i:i + 2]
    codes.append(5)
    acc = nbits = 0
    data = bytearray()
    for c in codes:
        acc |= c << nbits
        nbits += 3
        while nbits >= 8:
            data.append(acc & 0xff)
            acc >>= 8
            nbits -= 8
    if nbits:
        data.append(acc)
    for i in range(0, len(data), 255):
        block = data[i:i + 255]
        out += bytes([len(block)]) + block
    out += b"\x00"
out += b"\x3b"
open("sample-animated.gif", "wb").write(out)
PY
