# flo: customer lifetime value forecasting as Unix filters.
# `make` builds every tool into bin/; `make test` runs the C unit tests and the
# bats command-line tests; `make asan` runs the whole suite under ASan+UBSan.

PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man/man1

CC       ?= cc
PKGS      = gsl lmdb
WARN      = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wvla -Wformat=2 -Wpointer-arith -Wcast-qual -Wundef
CSTD      = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT      ?= -O2 -g
WERROR   ?=
CFLAGS   ?=
ALL_CFLAGS = $(CSTD) $(OPT) $(WARN) $(WERROR) -Ilib -Icmd $(PKG_CFLAGS) $(CFLAGS) -MMD -MP
LDLIBS    = $(PKG_LIBS) -lm -pthread

# Each build flavour lives in its own folder so that `make asan` never mixes
# instrumented and plain objects.
BUILD    ?= build
BIN      ?= bin

# lib/ is the library, in rooms by concern (lib/README.md); cmd/common is
# the tools' own layer (options, messages, exit statuses), its own archive.
LIB_SRC   = $(sort $(wildcard lib/*/*.c))
COMMON_SRC = $(sort $(wildcard cmd/common/*.c))
CMD_SRC   = $(sort $(wildcard cmd/*.c))
UNIT_SRC  = $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/%.o)
# Tools written as shell scripts (scripts/flo-plot: gnuplot's charts of
# flo-check's tables), copied into bin/ and installed beside the others.
SCRIPT_TOOLS = $(BIN)/flo-plot
TOOLS     = $(CMD_SRC:cmd/%.c=$(BIN)/%) $(SCRIPT_TOOLS)
UNITS     = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Each fuzz harness also builds, with the plain compiler, as a test that
# replays its corpus: the seeds and every input a fuzzer once broke on.
FUZZ_SRC  = $(filter-out tests/fuzz/fuzz_util.c,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZERS   = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
REPLAYS   = $(FUZZERS:%=$(BUILD)/tests/test_fuzz_%)
LIBFLO    = $(BUILD)/libflo.a
LIBTOOLS  = $(BUILD)/libflotools.a
COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/%.o)

.PHONY: all test unit cli asan clean install uninstall bootstrap demo bench

all: $(TOOLS)

# The library flags are read from pkg-config into $(BUILD)/config.mk, a
# makefile of its own that GNU make makes first and then re-reads: so they
# are found after scripts/bootstrap has installed the libraries, in the same
# `make demo` or `make test`, not when make started.  The goals that install
# what is missing (test, asan, demo, bench, bootstrap) run the bootstrap
# here; a plain `make` only says what is missing.  Goals that build nothing
# never make it (`make clean` does not bootstrap).
BOOTSTRAP ?= scripts/bootstrap
CONFIG     = $(BUILD)/config.mk
NOBUILD    = clean uninstall bootstrap fuzz fuzz-build
ifneq ($(or $(filter-out $(NOBUILD),$(MAKECMDGOALS)),$(if $(MAKECMDGOALS),,all)),)
include $(CONFIG)
endif

$(CONFIG): Makefile $(BOOTSTRAP)
	@$(if $(filter test asan demo demo-notebook bench,$(MAKECMDGOALS)),$(BOOTSTRAP))
	@pkg-config --exists $(PKGS) || { \
	  echo "flo: missing libraries (gsl, lmdb): run scripts/bootstrap, or make demo" >&2; exit 1; }
	@mkdir -p $(@D)
	@{ echo "PKG_CFLAGS = $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS = $$(pkg-config --libs $(PKGS))"; } > $@.tmp && mv $@.tmp $@

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBFLO): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBTOOLS): $(COMMON_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN)/%: $(BUILD)/cmd/%.o $(LIBTOOLS) $(LIBFLO)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(BIN)/flo-plot: scripts/flo-plot
	@mkdir -p $(@D)
	cp $< $@ && chmod 755 $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBTOOLS) $(LIBFLO)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/test_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.c tests/fuzz/replay.c $(LIBTOOLS) $(LIBFLO)
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -Itests/fuzz -DFUZZ_CORPUS='"tests/fuzz/corpus/$*"' $(filter %.c %.a,$^) -o $@ \
	  $(LDFLAGS) $(LDLIBS)

bootstrap:
	@$(BOOTSTRAP)

# The test build adds -Werror: a warning is a failure here, not in a user's build.
test: bootstrap
	@$(MAKE) --no-print-directory WERROR=-Werror all $(UNITS) $(REPLAYS)
	@BUILD=$(BUILD) BIN=$(BIN) scripts/run-tests

unit: all $(UNITS) $(REPLAYS)
	@for t in $(UNITS) $(REPLAYS); do $$t || exit 1; done

asan: bootstrap
	@$(MAKE) --no-print-directory test BUILD=build-asan BIN=bin-asan \
	  OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"

demo: bootstrap all
	@scripts/demo

# The seed FLO notebook's recipe, checked customer by customer against the
# lifetimes reference (tests/data/notebook_golden.csv.gz), beside flo's default.
.PHONY: demo-notebook
demo-notebook: bootstrap all
	@scripts/demo-notebook

bench: all
	@scripts/bench

# libFuzzer harnesses (tests/fuzz/README.md), built with clang, ASan and
# UBSan into build-fuzz/, each run for FUZZ_SECONDS; then executions per
# second and coverage per harness.  `make fuzz FUZZERS=csv` runs one.  Needs
# clang and Debian's libclang-rt-14-dev (scripts/bootstrap fuzz); the test
# suite does not.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all
.PHONY: fuzz fuzz-build
fuzz-build:
	@scripts/bootstrap fuzz
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) WERROR= \
	  OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
	  build-fuzz/libflotools.a build-fuzz/libflo.a $(FUZZERS:%=build-fuzz/fuzz/fuzz_%)
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run $(FUZZERS)

build-fuzz/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.c build-fuzz/libflotools.a build-fuzz/libflo.a
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -Itests/fuzz -fsanitize=fuzzer $(filter %.c %.a,$^) -o $@ $(LDFLAGS) $(LDLIBS)

# Man pages are the tools' --help, made at install time (scripts/manpage).
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	@for t in $(TOOLS:$(BIN)/%=%); do \
	  BIN=$(BIN) scripts/manpage $$t > $(DESTDIR)$(MANDIR)/$$t.1 || exit 1; done

uninstall:
	rm -f $(TOOLS:$(BIN)/%=$(DESTDIR)$(BINDIR)/%) $(TOOLS:$(BIN)/%=$(DESTDIR)$(MANDIR)/%.1)

clean:
	rm -rf build build-asan build-fuzz bin bin-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
