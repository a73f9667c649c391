#!/bin/sh
# The fuzz targets (tests/fuzz/) as a smoke test: each is built with
# clang's libFuzzer and run for a few seconds from its seeds, which also
# replays every regression input.  One test per target; without the
# toolchain every target fails, with the packages to install.  `make fuzz`
# runs them for longer.
. "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")/.." || exit 1
build=$(dirname "$IMAGED")
seconds=${FUZZ_SMOKE_SECONDS:-3}
# Not the MAKEFLAGS of a `make check` this runs under: no jobserver here.
targets=$(MAKEFLAGS= make -s --no-print-directory BUILD="$build" fuzz-list)
[ -n "$targets" ] || targets="fuzz-targets"

if ! MAKEFLAGS= make -s --no-print-directory -j2 BUILD="$build" fuzz-build \
    > "$work/build.log" 2>&1; then
	cat "$work/build.log" >&2
	for t in $targets; do
		not_ok "fuzz_$t: not built"
	done
else
	for t in $targets; do
		if sh tests/fuzz/run.sh "$build" "$seconds" "$t" \
		    > "$work/run.log" 2>&1; then
			ok
		else
			cat "$work/run.log" >&2
			not_ok "fuzz_$t"
		fi
	done
fi
finish
