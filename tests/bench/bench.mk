# HTTP-level benchmarks (tests/bench/http.sh).  Its helper programs live in
# tests/bench/tools/, link none of src/, and are built into
# $(BUILD)/benchtools/, where http.sh finds them beside $(IMAGED).  The
# ceilings it measures against need wrk and nginx (Debian: wrk nginx);
# without them those figures print n/a.

BENCH_TOOLS = $(BUILD)/benchtools/hload $(BUILD)/benchtools/ceiling
BENCH_DEBS = wrk nginx

bench: $(BENCH_TOOLS) bench-deps

# The ceilings' servers, installed like the build's packages (root), or
# the command printed.
bench-deps:
	@missing=""; for t in $(BENCH_DEBS); do \
		command -v $$t >/dev/null || [ -x /usr/sbin/$$t ] || missing="$$missing $$t"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends $$missing >/dev/null || \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends \
				$$missing >/dev/null; }; \
		else \
			echo "benchmarks want:$$missing; install with:"; \
			echo "  sudo apt-get install -y$$missing"; \
		fi; \
	fi
.PHONY: bench-deps

$(BUILD)/benchtools/hload: tests/bench/tools/hload.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< -lpthread

$(BUILD)/benchtools/ceiling: tests/bench/tools/ceiling.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags sqlite3 2>/dev/null) \
		-o $@ $< $(shell pkg-config --libs sqlite3 2>/dev/null) -lpthread

# Fifty daemons started at once on port 0: the time from each one's spawn
# to its URL file, median and worst (tests/bench/startup.py).
bench-startup: $(BUILD)/$(PROG)
	@echo "== startup"; $(PYTHON) tests/bench/startup.py $(BUILD)/$(PROG) 50
bench: bench-startup
.PHONY: bench-startup

# Memory under clients that ask for a large download and never read
# (tests/bench/stalled.sh).
bench: bench-stalled
bench-stalled: $(BUILD)/$(PROG) $(BUILD)/benchtools/stalled
	@IMAGED=$(BUILD)/$(PROG) sh tests/bench/stalled.sh
.PHONY: bench-stalled

$(BUILD)/benchtools/stalled: tests/bench/tools/stalled.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $<
