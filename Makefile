# imaged: an image API daemon (libmicrohttpd, SQLite, jansson, libsodium).
#
#   make            build build/imaged
#   make run        start it on 127.0.0.1:8080 with ./imaged-data
#   make check      build and run every test, also under ASan+UBSan
#   make bench      benchmarks (print figures, assert nothing)
#   make lint       banned functions, the KNF check, cppcheck, mandoc
#   make install    binary, man pages, example settings, systemd unit under
#                   PREFIX (/usr/local), staged under DESTDIR; make uninstall
#
# Missing Debian packages are installed first (as root), or the apt-get
# command that would install them is printed.

PROG	 = imaged
VERSION	 = 0.1.0
BUILD	?= build

PKGS	 = libmicrohttpd sqlite3 jansson libsodium nettle zlib
# libvips is compiled against but not linked: src/rendition.c loads it when
# the first rendition is asked for, so that starting costs nothing of it.
DLPKGS	 = vips
TPKGS	 = check libcurl
# What the build needs, then what the tests drive: a browser, the AWS CLI,
# promtool, Node.js for the npm tools pinned in tests/node.
DEBS	 = build-essential pkg-config libmicrohttpd-dev libsqlite3-dev \
	   libjansson-dev libsodium-dev nettle-dev zlib1g-dev libvips-dev check \
	   libcurl4-openssl-dev \
	   curl clang libclang-rt-14-dev mandoc
TDEBS	 = chromium awscli prometheus jq python3 python3-jsonschema \
	   python3-pytest
TCMDS	 = chromium aws promtool jq
# Debian's python3, with Debian's modules, whatever else is first on PATH.
PYTHON	 = /usr/bin/python3

CC	?= cc
WARN	 = -Wall -Wextra -Wpedantic -Werror -Wstrict-prototypes \
	   -Wmissing-prototypes -Wshadow -Wpointer-arith -Wcast-qual \
	   -Wwrite-strings -Wformat=2 -Wundef -Wimplicit-fallthrough -Wvla
CFLAGS	?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DIMAGED_VERSION='"$(VERSION)"' \
	   -Iinclude -I$(BUILD)/gen $(WARN) $(CFLAGS) -MMD -MP
SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer

# Library flags are asked of pkg-config only once the packages are there.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) $(DLPKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldl -lpthread
TPKG_CFLAGS = $(shell pkg-config --cflags $(TPKGS) 2>/dev/null)
TPKG_LIBS  = $(shell pkg-config --libs $(TPKGS) 2>/dev/null)
# Tests may also reach a module's internal header, kept beside its .c.
TEST_CFLAGS = -Isrc

MAIN_SRC = src/main.c
LIB_SRCS = $(filter-out $(MAIN_SRC),$(sort $(wildcard src/*.c)))
UNIT_SRCS = $(sort $(wildcard tests/unit/check_*.c)) tests/unit/runner.c
API_SRCS = $(sort $(wildcard tests/api/*.c))
BENCH_SRCS = $(sort $(wildcard tests/bench/*.c))

# The web console's files, compiled into the binary as one generated C
# file (src/console/embed.sh says why they live there).
CONSOLE_FILES = $(sort $(wildcard src/console/*.html src/console/*.css \
	   src/console/*.js src/console/*.svg))
GEN_SRCS = $(BUILD)/gen/console_assets.c

LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/%.o) $(GEN_SRCS:%.c=%.o)
UNIT_OBJS = $(UNIT_SRCS:%.c=$(BUILD)/%.o)
SAN_LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/san/%.o) \
	   $(GEN_SRCS:$(BUILD)/%.c=$(BUILD)/san/%.o)
SAN_UNIT_OBJS = $(UNIT_SRCS:%.c=$(BUILD)/san/%.o)

DEPS_OK	 = $(BUILD)/.deps-ok

.PHONY: all run check unit unit-san bench lint deps node-deps clean \
	install uninstall
all: $(BUILD)/$(PROG)

# --- dependencies -----------------------------------------------------------
deps: $(DEPS_OK)
$(DEPS_OK):
	@missing=""; \
	for p in $(PKGS) $(DLPKGS) $(TPKGS); do \
		pkg-config --exists $$p 2>/dev/null || missing=1; \
	done; \
	for c in curl clang mandoc $(CC) $(TCMDS); do \
		command -v $$c >/dev/null || missing=1; \
	done; \
	$(PYTHON) -c 'import jsonschema, pytest' 2>/dev/null || missing=1; \
	node=""; command -v npm >/dev/null || { node="nodejs npm"; missing=1; }; \
	ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a \
	    >/dev/null 2>&1 || missing=1; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing dependencies: $(DEBS) $(TDEBS)"; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get update -qq && \
			apt-get install -y -qq --no-install-recommends \
				$(DEBS) $(TDEBS) $$node >/dev/null || exit 1; \
		else \
			echo "missing dependencies; install them with:"; \
			echo "  sudo apt-get install -y $(DEBS) $(TDEBS) $$node"; \
			exit 1; \
		fi; \
	fi
	@mkdir -p $(BUILD) && touch $@

# The npm packages the tests drive, exactly as tests/node/package-lock.json
# pins them.
NODE_OK	 = tests/node/node_modules/.package-lock.json
node-deps: $(NODE_OK)
$(NODE_OK): tests/node/package.json tests/node/package-lock.json | $(DEPS_OK)
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error

# --- the daemon -------------------------------------------------------------
$(BUILD)/$(PROG): $(BUILD)/src/main.o $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/src/%.o: src/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/gen/console_assets.c: src/console/embed.sh $(CONSOLE_FILES)
	@mkdir -p $(@D)
	sh src/console/embed.sh $(CONSOLE_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c | $(DEPS_OK)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/san/gen/%.o: $(BUILD)/gen/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(PKG_CFLAGS) $(TPKG_CFLAGS) -c -o $@ $<

$(BUILD)/san/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(SAN) $(PKG_CFLAGS) $(TPKG_CFLAGS) \
		-c -o $@ $<

# The OpenAPI document, compiled in: src/openapi.c includes its bytes as
# hex constants, so GET /openapi.json serves exactly etc/openapi.json.
OPENAPI_INC = $(BUILD)/gen/openapi.inc
$(OPENAPI_INC): etc/openapi.json
	@mkdir -p $(@D)
	od -An -v -tx1 etc/openapi.json | \
		sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' > $@.tmp && mv $@.tmp $@
$(BUILD)/src/openapi.o $(BUILD)/san/src/openapi.o \
    $(BUILD)/fuzz/src/openapi.o: $(OPENAPI_INC)

# The runner links every suite; tests/unit/suites.sh lists the
# `Suite *name_suite(void)` functions the check_*.c files define.
$(BUILD)/suites.h: $(UNIT_SRCS) $(API_SRCS) tests/unit/suites.sh
	@mkdir -p $(@D)
	sh tests/unit/suites.sh $(UNIT_SRCS) $(API_SRCS) > $@

$(BUILD)/tests/unit/runner.o $(BUILD)/san/tests/unit/runner.o: $(BUILD)/suites.h
$(BUILD)/tests/unit/runner.o $(BUILD)/san/tests/unit/runner.o: ALL_CFLAGS += -I$(BUILD)

API_OBJS = $(API_SRCS:%.c=$(BUILD)/%.o)
SAN_API_OBJS = $(API_SRCS:%.c=$(BUILD)/san/%.o)

$(BUILD)/unit-tests: $(UNIT_OBJS) $(API_OBJS) $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(TPKG_LIBS)

$(BUILD)/san/unit-tests: $(SAN_UNIT_OBJS) $(SAN_API_OBJS) $(SAN_LIB_OBJS)
	$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS) $(TPKG_LIBS)

# --- running ----------------------------------------------------------------
run: $(BUILD)/$(PROG)
	$(BUILD)/$(PROG) --data-dir ./imaged-data

# --- tests ------------------------------------------------------------------
# Each stage writes "N passed, M failed" to $(BUILD)/results/<stage>;
# tests/summary.sh adds them up into the last line of `make check`.
RESULTS	 = $(BUILD)/results
SHELL_TESTS = $(filter-out tests/lib.sh tests/summary.sh,$(sort $(wildcard tests/*.sh)))

# The API suites' exchanges are logged for tests/openapi.sh, which
# validates each against the OpenAPI document.
API_LOG	 = $(BUILD)/api-exchanges.jsonl

check: $(BUILD)/$(PROG) $(BUILD)/unit-tests $(BUILD)/san/unit-tests $(NODE_OK)
	@rm -rf $(RESULTS) $(API_LOG) && mkdir -p $(RESULTS)
	-@CK_DEFAULT_TIMEOUT=120 IMAGED_RESULT=$(RESULTS)/unit \
		IMAGED_API_LOG=$(API_LOG) $(BUILD)/unit-tests
	-@CK_DEFAULT_TIMEOUT=300 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		IMAGED_RESULT=$(RESULTS)/sanitizers $(BUILD)/san/unit-tests
	-@for t in $(SHELL_TESTS); do \
		IMAGED=$(BUILD)/$(PROG) IMAGED_RESULT=$(RESULTS)/$$(basename $$t .sh) \
			IMAGED_API_EXCHANGES=$(API_LOG) sh $$t || true; \
	done
	@sh tests/summary.sh $(RESULTS)

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

unit-san: $(BUILD)/san/unit-tests
	$(BUILD)/san/unit-tests

# --- benchmarks -------------------------------------------------------------
BENCH_BINS = $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/%: tests/bench/%.c $(LIB_OBJS) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(TPKG_CFLAGS) -o $@ $^ $(PKG_LIBS) $(TPKG_LIBS)

bench: $(BUILD)/$(PROG) $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b || exit 1; done
	@if [ -f tests/bench/http.sh ]; then IMAGED=$(BUILD)/$(PROG) sh tests/bench/http.sh; fi
	@if [ -f tests/bench/renditions.sh ]; then IMAGED=$(BUILD)/$(PROG) sh tests/bench/renditions.sh; fi
	@if [ -f tests/bench/scale.sh ]; then IMAGED=$(BUILD)/$(PROG) sh tests/bench/scale.sh; fi

# --- lint -------------------------------------------------------------------
BANNED	 = sprintf|strcpy|strcat|strncpy|strtok|atoi|gets|vsprintf
lint: $(BUILD)/$(PROG)
	@! grep -nE '\<($(BANNED))\(' src/*.c include/imaged/*.h || \
		{ echo "banned function used"; exit 1; }
	sh tests/style.sh
	cppcheck --quiet --error-exitcode=1 --inline-suppr -D_GNU_SOURCE -Iinclude src
	mandoc -Tlint -Wwarning $(MANPAGES)
	@if [ -x tests/node/node_modules/.bin/redocly ]; then \
		echo "redocly lint etc/openapi.json"; \
		mkdir -p $(BUILD)/lint; \
		NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off \
		tests/node/node_modules/.bin/redocly lint --format=stylish \
			--config tests/redocly.yaml etc/openapi.json \
			> $(BUILD)/lint/redocly.out 2>&1; st=$$?; \
		grep -vE '[║╔╚]' $(BUILD)/lint/redocly.out | grep -v '^ *$$'; \
		[ $$st = 0 ] || exit 1; \
	fi
	@# The unit as installed, naming the built binary, where systemd is.
	@if command -v systemd-analyze >/dev/null; then \
		echo "systemd-analyze verify imaged.service"; \
		mkdir -p $(BUILD)/lint && \
		sed -e 's|@BINDIR@|$(CURDIR)/$(BUILD)|g' \
		    -e 's|@SYSCONFDIR@|$(CURDIR)/etc|g' etc/imaged.service.in \
		    > $(BUILD)/lint/imaged.service && \
		systemd-analyze verify --man=no $(BUILD)/lint/imaged.service; \
	fi

# --- installing -------------------------------------------------------------
# GNU-style directories under PREFIX; DESTDIR stages the whole tree (for
# packages).  The settings file is the operator's once installed: it is
# written only where none exists, and removed only while it is still the
# example.
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SYSCONFDIR ?= $(PREFIX)/etc
MANDIR	?= $(PREFIX)/share/man
UNITDIR	?= $(PREFIX)/lib/systemd/system
MANPAGES = man/imaged.8 man/imaged.conf.5 man/imaged-api.7

# The unit names the directories it is installed with.
install: $(BUILD)/$(PROG) FORCE
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		etc/imaged.service.in > $(BUILD)/imaged.service.install
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/imaged \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/$(PROG) $(DESTDIR)$(BINDIR)/$(PROG)
	install -m 0644 man/imaged.8 $(DESTDIR)$(MANDIR)/man8/imaged.8
	install -m 0644 man/imaged.conf.5 $(DESTDIR)$(MANDIR)/man5/imaged.conf.5
	install -m 0644 man/imaged-api.7 $(DESTDIR)$(MANDIR)/man7/imaged-api.7
	install -m 0644 $(BUILD)/imaged.service.install \
		$(DESTDIR)$(UNITDIR)/imaged.service
	@conf=$(DESTDIR)$(SYSCONFDIR)/imaged/imaged.conf; \
	if [ -e "$$conf" ]; then \
		echo "$$conf exists: left as it is"; \
	else \
		echo "install -m 0644 etc/imaged.conf $$conf"; \
		install -m 0644 etc/imaged.conf "$$conf"; \
	fi

uninstall: FORCE
	rm -f $(DESTDIR)$(BINDIR)/$(PROG) \
		$(DESTDIR)$(MANDIR)/man8/imaged.8 \
		$(DESTDIR)$(MANDIR)/man5/imaged.conf.5 \
		$(DESTDIR)$(MANDIR)/man7/imaged-api.7 \
		$(DESTDIR)$(UNITDIR)/imaged.service
	@conf=$(DESTDIR)$(SYSCONFDIR)/imaged/imaged.conf; \
	if [ -e "$$conf" ] && ! cmp -s etc/imaged.conf "$$conf"; then \
		echo "$$conf was changed: left as it is"; \
	else \
		echo "rm -f $$conf"; rm -f "$$conf"; \
		rmdir $(DESTDIR)$(SYSCONFDIR)/imaged 2>/dev/null || true; \
	fi

FORCE:

clean:
	rm -rf $(BUILD)

# Fuzz targets, benchmarks and the crash test keep their rules beside
# their sources.
-include tests/fuzz/fuzz.mk
-include tests/bench/bench.mk
-include tests/crash/crash.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
