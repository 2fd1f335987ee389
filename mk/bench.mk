# make bench — caselib's measurements and its peers' in one run, one table
# (docs/performance.md). scripts/bench does the work; here: the programs it
# runs and its settings.
#
#   make bench                                   real, 100k and 1m corpora, peers
#   make bench BENCH_SIZES="real 100k"           quicker
#   make bench BENCH_SKIP_PEERS=1                caselib only
#   make bench BENCH_HTTP_SECONDS=5 BENCH_DIR=/some/where
#
# The corpora, the data dirs and the peers' databases go to BENCH_DIR (never
# committed); the results to a new bench/results/<date>-<time>-<host>.json per run.

BENCH_DIR ?= build/bench-data
BENCH_SIZES ?= real 100k 1m
BENCH_SKIP_PEERS ?=
BENCH_HTTP_SECONDS ?= 20

BENCH_PROGS := $(BUILD)/bench/gen $(BUILD)/bench/index $(BUILD)/bench/search \
               $(BUILD)/bench/ranking $(BUILD)/bench/findability \
               $(if $(wildcard bench/peer_fts5.c),$(BUILD)/bench/peer_fts5) \
               $(if $(wildcard bench/peer_pg.c),$(BUILD)/bench/peer_pg) \
               $(if $(wildcard bench/peer_sphinx.c),$(BUILD)/bench/peer_sphinx)

# `make ranking` runs bench/ranking, which runs bench/findability (the
# findability sets of bench/eval on the real corpus) after Cranfield.
$(BUILD)/bench/ranking: $(BUILD)/bench/findability

.PHONY: bench bench-progs
bench-progs: $(BIN) $(BENCH_PROGS)

bench:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory bench-progs
	BUILD=$(BUILD) BENCH_DIR=$(BENCH_DIR) BENCH_SIZES="$(BENCH_SIZES)" \
	  BENCH_SKIP_PEERS=$(BENCH_SKIP_PEERS) BENCH_HTTP_SECONDS=$(BENCH_HTTP_SECONDS) \
	  CASELIB_SHARED=$(CASELIB_SHARED) scripts/bench

# Short check for `make test`: the generator learns from the demo corpus,
# writes 300 cases twice (byte-identical: deterministic), `caselib import`
# accepts every one, bench/index and bench/search run on both engines and
# print their result lines; two scripts/bench runs (no steps) write two
# results files. No timing is checked.
.PHONY: check-bench
check-bench: $(BIN) $(BUILD)/bench/gen $(BUILD)/bench/index $(BUILD)/bench/search
	@t=$$(mktemp -d); trap 'rm -rf "$$t"' EXIT; set -e; \
	$(BIN) --data "$$t/m" init >/dev/null 2>&1; $(BIN) --data "$$t/m" import tests/fixtures/demo-cases >/dev/null 2>&1; \
	$(BIN) --data "$$t/m" export --format jsonl --output "$$t/model.jsonl" >/dev/null 2>&1; \
	for i in 1 2; do $(BUILD)/bench/gen --model "$$t/model.jsonl" --cases 300 --out "$$t/c$$i.jsonl" \
	  --queries 50 --queries-out "$$t/q$$i.jsonl" --seed 7 2>/dev/null; done; \
	cmp "$$t/c1.jsonl" "$$t/c2.jsonl" && cmp "$$t/q1.jsonl" "$$t/q2.jsonl" || \
	  { echo "check-bench: the generator is not deterministic"; exit 1; }; \
	[ "$$(wc -l <"$$t/q1.jsonl")" -eq 50 ] || { echo "check-bench: not 50 queries"; exit 1; }; \
	$(BIN) --data "$$t/d" init >/dev/null 2>&1; \
	$(BIN) --data "$$t/d" import "$$t/c1.jsonl" 2>&1 | grep -q '^import: 300 new, 0 updated, 0 unchanged, 0 rejected' || \
	  { echo "check-bench: caselib import did not take the 300 generated cases"; exit 1; }; \
	for e in xapian fts5; do \
	  $(BUILD)/bench/index --data "$$t/d" --engine $$e --corpus real >"$$t/i.out" 2>/dev/null; \
	  [ "$$(grep -c '"metric":"index_' "$$t/i.out")" -eq 5 ] || { echo "check-bench: index $$e"; cat "$$t/i.out"; exit 1; }; \
	  $(BUILD)/bench/search --data "$$t/d" --engine $$e --queries "$$t/q1.jsonl" --corpus real >"$$t/s.out" 2>/dev/null; \
	  $(BUILD)/bench/search --data "$$t/d" --engine $$e --queries "$$t/q1.jsonl" --corpus real --no-facets >>"$$t/s.out" 2>/dev/null; \
	  [ "$$(grep -c '"metric":"q_' "$$t/s.out")" -eq 8 ] || { echo "check-bench: search $$e"; cat "$$t/s.out"; exit 1; }; \
	done; \
	for i in 1 2; do BUILD=$(BUILD) scripts/bench --steps "" --sizes real --dir "$$t/bd" \
	  --results "$$t/res" >/dev/null 2>"$$t/b.err" || { cat "$$t/b.err"; echo "check-bench: scripts/bench"; exit 1; }; done; \
	[ "$$(ls "$$t/res" | grep -c '\.json$$')" -eq 2 ] || \
	  { echo "check-bench: two scripts/bench runs did not write two results files"; ls "$$t/res"; exit 1; }; \
	echo "check-bench: ok"

TEST_EXTRA += check-bench
