# mk/fuzz.mk — libFuzzer targets (fuzz/fuzz_*.c; docs/reliability.md, "Fuzzing").
#
#   make fuzz FUZZ_SECONDS=N   build and run every target N seconds (default 60)
#   make fuzz-build            build the targets only (build-fuzz/fuzz/<target>)
#   make fuzz-one FUZZ_TARGET=fuzz_ocds FUZZ_SECONDS=N   one target
#   make check-fuzz            every target FUZZ_TEST_SECONDS (20) seconds; in make test
#
# The library is compiled by the main Makefile into its own build dir with
# clang and -fsanitize=fuzzer-no-link,address,undefined; each target links
# with -fsanitize=fuzzer,address,undefined through clang++ (Xapian is C++).
# Seeds come from ../shared/data at run time (scripts/fuzz-seeds), into
# build-fuzz/seeds/<target>/; new inputs go to build-fuzz/corpus/<target>/,
# crashes to build-fuzz/findings/<target>/.

FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_CXX ?= clang++
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 20
FUZZ_SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
                 -fno-omit-frame-pointer
FUZZ_LINKSAN := -fsanitize=fuzzer,address,undefined
FUZZ_OPT ?= -O1 -g
FUZZ_TARGETS := $(sort $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c)))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/%)
FUZZ_LIB := $(FUZZ_BUILD)/libcaselib.a
FUZZ_GEN_OBJ := $(patsubst $(BUILD)/%,$(FUZZ_BUILD)/%,$(GEN_OBJ))
FUZZ_UTIL_OBJ := $(FUZZ_BUILD)/fuzz/fuzzutil.o
FUZZ_INCLUDES := -Icorpus -Iindexer -Iquery -Iapi -Ifuzz -I$(FUZZ_BUILD)/gen

.PHONY: fuzz fuzz-build fuzz-lib fuzz-lib-objs fuzz-one fuzz-seeds check-fuzz

# The library, through the main Makefile (its own rules and dependency files).
fuzz-lib:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) SANITIZER= CC=$(FUZZ_CC) \
	  CXX=$(FUZZ_CXX) OPT="$(FUZZ_OPT)" CFLAGS="$(FUZZ_SANFLAGS)" \
	  CXXFLAGS="$(FUZZ_SANFLAGS)" fuzz-lib-objs

# Run by the recursive make above, where BUILD is the fuzz build dir.
fuzz-lib-objs: $(LIB) $(GEN_OBJ)

.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/%.o) $(FUZZ_UTIL_OBJ)

# Every project header is a prerequisite: a target is rebuilt when any
# header changes (engine.h's struct search_hit grew a field once while the
# targets' objects were kept, and the query targets read hits with the old
# layout). Twelve small objects: rebuilding them all is cheap.
FUZZ_HEADERS := $(wildcard corpus/*.h indexer/*.h query/*.h api/*.h fuzz/*.h)

$(FUZZ_BUILD)/fuzz/%.o: fuzz/%.c $(FUZZ_HEADERS) | fuzz-lib
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ_OPT) $(FUZZ_SANFLAGS) $(FUZZ_INCLUDES) $(PKG_CFLAGS) \
	  -c -o $@ $<

$(FUZZ_BUILD)/fuzz/fuzz_%: $(FUZZ_BUILD)/fuzz/fuzz_%.o $(FUZZ_UTIL_OBJ) fuzz-lib
	$(FUZZ_CXX) $(FUZZ_LINKSAN) -o $@ $< $(FUZZ_UTIL_OBJ) $(FUZZ_GEN_OBJ) $(FUZZ_LIB) \
	  $(PKG_LIBS) $(XAPIAN_LIBS)

fuzz-build: fuzz-lib
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz-seeds:
	@scripts/fuzz-seeds $(FUZZ_BUILD)/seeds '$(SHARED)'

# Runs targets $(2) for $(1) seconds each, one after the other (the
# machine's cores are shared), and prints per target the executions, exec/s,
# coverage (cov: of the last stats line), the new corpus units and the
# finding (crash/leak/timeout file) if any. Non-zero when any target found
# something. Logs: $(FUZZ_BUILD)/logs/<target>.log.
define FUZZ_RUN
	@mkdir -p $(FUZZ_BUILD)/logs; fail=0; \
	printf '%-18s %10s %8s %6s %5s  %s\n' target execs exec/s cov new finding; \
	for t in $(2); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/findings/$$t; \
	  case $$t in fuzz_http) ml=16384;; fuzz_query_*|fuzz_qparse) ml=2048;; *) ml=131072;; esac; \
	  log=$(FUZZ_BUILD)/logs/$$t.log; \
	  $(FUZZ_BUILD)/fuzz/$$t -max_total_time=$(1) -timeout=10 -rss_limit_mb=2048 \
	    -max_len=$$ml -detect_leaks=1 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/findings/$$t/ \
	    $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/seeds/$$t >$$log 2>&1; rc=$$?; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -1); \
	  eps=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log | tail -1); \
	  cov=$$(grep -o 'cov: [0-9]*' $$log | tail -1 | cut -d' ' -f2); \
	  new=$$(sed -n 's/^stat::new_units_added: *//p' $$log | tail -1); \
	  art=$$(sed -n 's/.*Test unit written to //p' $$log | tail -1); \
	  if [ $$rc -ne 0 ] || [ -n "$$art" ]; then \
	    fail=1; what="FINDING (exit $$rc): $${art:-see $$log}"; \
	    grep -m3 -E 'ERROR: |fuzz finding:|runtime error:' $$log | sed 's/^/    /'; \
	  else what=none; fi; \
	  printf '%-18s %10s %8s %6s %5s  %s\n' $$t "$${execs:-?}" "$${eps:-?}" "$${cov:-?}" \
	    "$${new:-?}" "$$what"; \
	done; \
	if [ $$fail -ne 0 ]; then echo "fuzz: findings above (inputs kept in $(FUZZ_BUILD)/findings/)"; \
	  exit 1; fi
endef

# One target: FUZZ_TARGET=name, FUZZ_SECONDS=N.
fuzz-one: fuzz-build fuzz-seeds
	$(call FUZZ_RUN,$(FUZZ_SECONDS),$(FUZZ_TARGET))

fuzz: fuzz-build fuzz-seeds
	$(call FUZZ_RUN,$(FUZZ_SECONDS),$(FUZZ_TARGETS))

check-fuzz: fuzz-build fuzz-seeds
	$(call FUZZ_RUN,$(FUZZ_TEST_SECONDS),$(FUZZ_TARGETS))

TEST_EXTRA += check-fuzz
