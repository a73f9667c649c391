#!/bin/sh
# make install and make uninstall, staged under a temporary DESTDIR: the
# files land where PREFIX says with their modes, the unit names the
# installed paths, each page renders, the binary runs, an edited settings
# file survives both a reinstall and an uninstall, and uninstall leaves no
# file behind.
. "$(dirname "$0")/lib.sh"

build=$(dirname "$IMAGED")
dest="$work/stage"
prefix=/opt/imaged-test

mk() {
	MAKEFLAGS= make -s --no-print-directory BUILD="$build" DESTDIR="$dest" "$@" \
	    >> "$work/make.log" 2>&1
}

mode_is() {
	[ -f "$dest$2" ] && [ "$(stat -c %a "$dest$2")" = "$1" ]
}

check "make install" mk install PREFIX=$prefix
check "binary, 0755" mode_is 755 $prefix/bin/imaged
check "imaged.8, 0644" mode_is 644 $prefix/share/man/man8/imaged.8
check "imaged.conf.5, 0644" mode_is 644 $prefix/share/man/man5/imaged.conf.5
check "imaged-api.7, 0644" mode_is 644 $prefix/share/man/man7/imaged-api.7
check "settings example, 0644" mode_is 644 $prefix/etc/imaged/imaged.conf
check "settings are the example" cmp -s etc/imaged.conf \
    "$dest$prefix/etc/imaged/imaged.conf"
unit="$dest$prefix/lib/systemd/system/imaged.service"
check "unit, 0644" mode_is 644 $prefix/lib/systemd/system/imaged.service
check "unit starts the installed binary with the installed settings" \
    grep -qx "ExecStart=$prefix/bin/imaged -c $prefix/etc/imaged/imaged.conf" \
    "$unit"
check "no placeholder left in the unit" sh -c "! grep -q '@[A-Z]*@' '$unit'"
check "installed binary runs" sh -c \
    "'$dest$prefix/bin/imaged' --version | grep -q '^imaged [0-9]'"
for page in man8/imaged.8 man5/imaged.conf.5 man7/imaged-api.7; do
	f="$dest$prefix/share/man/$page"
	check "$page lints clean" mandoc -Tlint -Wwarning "$f"
	name=$(basename "$page" | sed 's/\.[0-9]$//')
	check "$page renders" sh -c "MANPAGER=cat man -l '$f' 2>'$work/man.err' |
	    col -b | grep -q '^ *$name '"
	check "$page renders without a warning" [ ! -s "$work/man.err" ]
done
# man finds the pages by name under the installed tree.
check "man -M finds imaged-api(7)" sh -c "MANPAGER=cat man \
    -M '$dest$prefix/share/man' 7 imaged-api 2>/dev/null | grep -q DECIDED"

# The operator's settings are theirs: kept by a reinstall and an uninstall.
echo "port = 9999" >> "$dest$prefix/etc/imaged/imaged.conf"
check "reinstall" mk install PREFIX=$prefix
check "reinstall keeps edited settings" grep -q "port = 9999" \
    "$dest$prefix/etc/imaged/imaged.conf"
check "make uninstall" mk uninstall PREFIX=$prefix
check "uninstall keeps edited settings" [ -f \
    "$dest$prefix/etc/imaged/imaged.conf" ]
check "uninstall removes everything else" [ "$(find "$dest" -type f |
    wc -l)" -eq 1 ]
rm -rf "$dest"

# PREFIX defaults to /usr/local; an unchanged example goes with uninstall.
check "make install, default PREFIX" mk install
check "binary under /usr/local" [ -x "$dest/usr/local/bin/imaged" ]
check "unit names /usr/local" grep -qx \
    "ExecStart=/usr/local/bin/imaged -c /usr/local/etc/imaged/imaged.conf" \
    "$dest/usr/local/lib/systemd/system/imaged.service"
check "make uninstall, default PREFIX" mk uninstall
check "uninstall leaves no file" [ "$(find "$dest" -type f | wc -l)" -eq 0 ]

[ "$failed" -eq 0 ] || cat "$work/make.log" >&2
finish
