# tests/crash/crash.mk: the crash test (included by the top Makefile).
#
#   make crashtest         CRASH_ROUNDS rounds (default 30) of load, SIGKILL,
#                          restart and check; CRASH_SEED=n repeats a run's
#                          choices (payloads, operations, kill moments)
#
# tests/crash.sh runs a few rounds in `make check`.  The program talks to
# the built daemon over HTTP and links none of src/: it is built with the
# test libraries (libcurl) and jansson, into $(BUILD)/crashtest, where
# tests/crash.sh finds it beside $(IMAGED).

CRASH_ROUNDS	?= 30

.PHONY: crashtest

check: $(BUILD)/crashtest

$(BUILD)/crashtest: tests/crash/crashtest.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TPKG_CFLAGS) \
	    $(shell pkg-config --cflags jansson 2>/dev/null) -o $@ $< \
	    $(TPKG_LIBS) $(shell pkg-config --libs jansson 2>/dev/null) -lpthread

crashtest: $(BUILD)/$(PROG) $(BUILD)/crashtest
	@IMAGED=$(BUILD)/$(PROG) CRASH_ROUNDS=$(CRASH_ROUNDS) sh tests/crash.sh
