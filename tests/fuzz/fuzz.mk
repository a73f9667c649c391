# tests/fuzz/fuzz.mk: libFuzzer targets, one for each parser of outside
# bytes (included by the top Makefile).
#
#   make fuzz              build every target, run each for FUZZ_SECONDS
#   make fuzz-build        build them only: $(BUILD)/fuzz/fuzz_<name>
#   make fuzz-<name>       build and run one target
#
# The targets are built with clang, -fsanitize=fuzzer,address,undefined;
# the library is compiled again for them under $(BUILD)/fuzz/, with the
# Makefile's flags less -Werror (clang warns where gcc does not, in code
# that is correct).  A run reads the seeds in tests/fuzz/corpus/<name>/ and
# the inputs of earlier runs, and writes new inputs to
# $(BUILD)/fuzz/corpus-<name>/ and crashes to $(BUILD)/fuzz/artifacts/, so
# fuzzing never modifies the tree.  `make check` runs every target for a
# few seconds through tests/fuzz.sh.

FUZZ_CC		?= clang
FUZZ_SECONDS	?= 60
FUZZ_FLAGS	?=
FUZZ_DEBS	 = clang libclang-rt-14-dev
FUZZ_TARGETS	 = jsonupload meta multipart cursor httputil router imgsniff dynamo \
		   accesslog query rendparams
FUZZ_DIR	 = $(BUILD)/fuzz

FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
# gcc-clean code that clang flags: a table macro's untaken branches, SQL
# split over lines, vprintf wrappers, FALLTHROUGH comments.
FUZZ_QUIET	 = -Wno-constant-conversion -Wno-string-concatenation \
		   -Wno-format-nonliteral -Wno-implicit-fallthrough
FUZZ_CFLAGS	 = $(filter-out -Werror,$(ALL_CFLAGS)) $(FUZZ_QUIET) $(FUZZ_SAN)

FUZZ_LIB_OBJS	 = $(LIB_SRCS:%.c=$(FUZZ_DIR)/%.o) \
		   $(GEN_SRCS:$(BUILD)/%.c=$(FUZZ_DIR)/%.o)
FUZZ_BINS	 = $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_PROBE	 = $(FUZZ_DIR)/.toolchain-ok

.PHONY: fuzz fuzz-build fuzz-list $(FUZZ_TARGETS:%=fuzz-%)
.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/tests/fuzz/fuzz_%.o)

fuzz-build: $(FUZZ_BINS)

fuzz-list:
	@echo $(FUZZ_TARGETS)

fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

$(FUZZ_TARGETS:%=fuzz-%): fuzz-%: $(FUZZ_DIR)/fuzz_%
	@sh tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $*

# Say what to install rather than fail on a cryptic link error.
$(FUZZ_PROBE): | $(DEPS_OK)
	@mkdir -p $(@D)
	@printf '%s\n' '#include <stddef.h>' \
	    'int LLVMFuzzerTestOneInput(const unsigned char *, size_t);' \
	    'int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' > $(@D)/probe.c
	@if ! $(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $(@D)/probe \
	    $(@D)/probe.c > $(@D)/probe.log 2>&1; then \
		cat $(@D)/probe.log; \
		echo "no libFuzzer toolchain ($(FUZZ_CC) -fsanitize=fuzzer);" \
		    "install it with:"; \
		echo "  sudo apt-get install -y $(FUZZ_DEBS)"; \
		exit 1; \
	fi
	@touch $@

$(FUZZ_DIR)/src/%.o: src/%.c | $(FUZZ_PROBE)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) \
	    -c -o $@ $<

$(FUZZ_DIR)/gen/%.o: $(BUILD)/gen/%.c | $(FUZZ_PROBE)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

# The targets' own code keeps -Werror.
$(FUZZ_DIR)/tests/fuzz/%.o: tests/fuzz/%.c | $(FUZZ_PROBE)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer-no-link \
	    $(PKG_CFLAGS) -c -o $@ $<

# An archive, so each target links only the modules it reaches.
$(FUZZ_DIR)/libimaged.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_DIR)/libimaged.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

# The request target drives handlers as the handler tests do, through
# tests/api/inproc.c (built like the targets' own code).
$(FUZZ_DIR)/tests/api/%.o: tests/api/%.c | $(FUZZ_PROBE)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer-no-link \
	    $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/fuzz_query: $(FUZZ_DIR)/tests/fuzz/fuzz_query.o \
    $(FUZZ_DIR)/tests/api/inproc.o $(FUZZ_DIR)/tests/api/exchlog.o \
    $(FUZZ_DIR)/libimaged.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)
