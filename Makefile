# caselib — plain GNU make. `make run` and `make test` are the two entry points
# (README.md); both install missing Debian packages first.

CC  ?= cc
CXX ?= c++
BUILD ?= build
SANITIZER ?=
PKG_CONFIG ?= pkg-config

# Libraries the library and programs link (pkg-config names).
PKGS      := sqlite3 jansson libcurl libmicrohttpd libxml-2.0 libutf8proc zlib libcmark xlsxwriter
TEST_PKGS := criterion
XAPIAN_CONFIG ?= xapian-config

WARN := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
        -Wcast-qual -Wpointer-arith -Wformat=2 -Wvla -Werror
CSTD := -std=c11 -D_GNU_SOURCE
OPT  ?= -O2 -g

ifneq ($(SANITIZER),)
  SANFLAGS := -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
  OPT := -O1 -g
  BUILD := $(if $(BUILD_SAN),$(BUILD_SAN),build-san)
endif

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lstemmer -lroaring -lpthread -lm
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)
XAPIAN_CXXFLAGS = $(shell $(XAPIAN_CONFIG) --cxxflags 2>/dev/null)
XAPIAN_LIBS     = $(shell $(XAPIAN_CONFIG) --libs 2>/dev/null)

INCLUDES := -Icorpus -Iindexer -Iquery -Iapi -I$(BUILD)/gen
CFLAGS_ALL   = $(CSTD) $(WARN) $(OPT) $(SANFLAGS) $(INCLUDES) $(PKG_CFLAGS) $(CFLAGS)
CXXFLAGS_ALL = -std=c++17 -Wall -Wextra -Wshadow -Werror $(OPT) $(SANFLAGS) $(INCLUDES) \
               $(XAPIAN_CXXFLAGS) $(CXXFLAGS)
LDFLAGS_ALL  = $(SANFLAGS) $(LDFLAGS)

# Library modules: every .c under the four source folders except entry points.
LIB_C   := $(filter-out api/main.c,$(wildcard corpus/*.c indexer/*.c query/*.c api/*.c))
LIB_CC  := $(wildcard query/*.cc)
LIB_OBJ := $(LIB_C:%.c=$(BUILD)/%.o) $(LIB_CC:%.cc=$(BUILD)/%.o)
# Data tables compiled in as text (tools/embed.c). Linked as objects, not
# through the archive, because their users may refer to them weakly.
MAP_TSV := $(wildcard indexer/maps/*.tsv)
GEN_OBJ := $(BUILD)/gen/taxonomy_data.o $(BUILD)/gen/synonyms_data.o $(BUILD)/gen/openapi_data.o \
           $(BUILD)/gen/lexicon_data.o $(BUILD)/gen/glossary_data.o \
           $(MAP_TSV:indexer/maps/%.tsv=$(BUILD)/gen/maps_%.o)
EMBED := $(BUILD)/gen/embed
TEST_C  := $(wildcard tests/test_*.c)
TEST_OBJ := $(TEST_C:%.c=$(BUILD)/%.o) $(BUILD)/tests/testutil.o

BIN      := $(BUILD)/caselib
LIB      := $(BUILD)/libcaselib.a
TEST_BIN := $(BUILD)/tests/unit

DATA ?= data
SHARED ?= ../shared/data
export CASELIB_SHARED ?= $(SHARED)

.PHONY: all deps run test check-data check-unit check-browser valgrind clean demo help ranking
all: $(BIN)

# Further checks that `make test` runs after the unit and browser tests
# (their short forms); each mk/*.mk adds its own target here.
TEST_EXTRA :=

help:
	@echo "make run        install packages, build, load the demo corpus and the shared data, serve on 127.0.0.1:8080"
	@echo "make test       install packages, build, run every test"
	@echo "make check-data the hand-kept data files (the glossary) against their rules"
	@echo "make SANITIZER=address,undefined test   the same under ASan+UBSan"
	@echo "make valgrind   the unit tests under valgrind (memcheck)"
	@echo "make ranking    ranking quality of both engines on Cranfield"
	@echo "                (RANKING_ARGS=--cv: two-fold cross-validated)"
	@echo "make bench      benchmarks: both engines and the peers (PostgreSQL, raw FTS5, Sphinx); docs/performance.md"
	@echo "make fuzz       the libFuzzer targets, FUZZ_SECONDS=N each (default 60)"
	@echo "make test-crash the SIGKILL crash harness, 200 iterations (CRASH_ITERATIONS=N)"
	@echo "make soak       wrk for 60 s at 64 connections, mixed workload"
	@echo "make clean      remove build output"

deps:
	@scripts/install-deps

# Generated: data tables compiled in as text.
$(EMBED): tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -o $@ $<

$(BUILD)/gen/taxonomy_data.c: corpus/taxonomies.tsv $(EMBED)
	$(EMBED) tax_builtin_tsv < $< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/synonyms_data.c: query/synonyms.tsv $(EMBED)
	$(EMBED) syn_builtin_tsv < $< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/lexicon_data.c: query/lexicon.tsv $(EMBED)
	$(EMBED) tr_lexicon_tsv < $< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/glossary_data.c: query/glossary.tsv $(EMBED)
	$(EMBED) tr_glossary_tsv < $< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/openapi_data.c: api/openapi.json $(EMBED)
	$(EMBED) rt_openapi_json < $< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/maps_%.c: indexer/maps/%.tsv $(EMBED)
	$(EMBED) maps_$*_tsv < $< > $@.tmp && mv $@.tmp $@

# Keep the generated sources (make would delete them as intermediates).
.SECONDARY: $(GEN_OBJ:.o=.c)

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CSTD) $(OPT) $(SANFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -Itests -Ibench -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/api/main.o $(GEN_OBJ) $(LIB)
	$(CXX) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(XAPIAN_LIBS)

$(TEST_BIN): $(TEST_OBJ) $(BUILD)/bench/benchutil.o $(GEN_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS) $(PKG_LIBS) $(XAPIAN_LIBS)

# Benchmark programs: one .c each, plus what they share (bench/benchutil).
BENCH_UTIL := $(BUILD)/bench/benchutil.o
$(BUILD)/bench/%: bench/%.c $(BENCH_UTIL) $(GEN_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@.o -c $<
	$(CXX) $(LDFLAGS_ALL) -o $@ $@.o $(BENCH_UTIL) $(GEN_OBJ) $(LIB) $(PKG_LIBS) $(XAPIAN_LIBS)

# Ranking quality on Cranfield (MAP, nDCG@10, P@10) for each engine.
ranking: deps
	@$(MAKE) --no-print-directory $(BUILD)/bench/ranking
	$(BUILD)/bench/ranking $(RANKING_ARGS)

# --- the two commands ------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory $(BIN)
	@scripts/run-demo $(BIN) $(DATA)

test: deps
	@$(MAKE) --no-print-directory check-data
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN)
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory check-browser
	@for t in $(TEST_EXTRA); do $(MAKE) --no-print-directory $$t || exit 1; done

# Data kept by hand, checked for format before anything is built (python3,
# well under a second): the glossary (docs/text-analysis.md, "The glossary").
check-data:
	scripts/check-glossary --self-test
	scripts/check-glossary query/glossary.tsv query/lexicon.tsv

# The web page in headless Debian chromium (playwright-core, axe-core from npm;
# installs chromium and the npm packages when missing).
check-browser: $(BIN)
	scripts/browser-test $(abspath $(BIN))

# Tests find the binary through CASELIB_BIN and the real data through
# CASELIB_SHARED. Criterion forks per test; --jobs keeps it to the cores.
check-unit: $(BIN) $(TEST_BIN)
	CASELIB_BIN=$(abspath $(BIN)) LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
	  $(TEST_BIN) --jobs=$$(nproc) $(TESTFLAGS)

# Under valgrind everything runs ~30x slower: one suite per run, and the
# whole-corpus suites (conformance, harvest_real) are left out unless
# VALGRIND_SKIP says otherwise (an extended regex of suite names).
VALGRIND_SKIP ?= ^(conformance|harvest_real)$$
valgrind: deps
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN)
	CASELIB_BIN=$(abspath $(BIN)) scripts/valgrind-tests $(TEST_BIN) '$(VALGRIND_SKIP)'

clean:
	rm -rf build build-san build-fuzz

# Benchmarks, fuzzing, crash and load harnesses: one fragment each.
include $(sort $(wildcard mk/*.mk))

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
