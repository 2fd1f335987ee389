# Benchmark peers (docs/performance.md, "Peers"): PostgreSQL 15 full-text
# search (bench/peer_pg.c, libpq; its server by scripts/bench-pg), raw
# SQLite FTS5 (bench/peer_fts5.c) and Sphinx 2.2 (bench/peer_sphinx.c,
# libmariadb; indexer and searchd by scripts/bench-sphinx). scripts/bench runs them on the corpora;
# here: their builds and a short check that `make test` runs.

PQ_CFLAGS = $(shell $(PKG_CONFIG) --cflags libpq 2>/dev/null)
PQ_LIBS   = $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null)
# libpq-dev and postgresql-15 come with `scripts/install-deps` (which `make
# test` runs first): the check runs PostgreSQL and fails without it, unless
# PEERS_SKIP_PG=1 says to leave it out (then it says so loudly).
PQ_FOUND := $(shell $(PKG_CONFIG) --exists libpq 2>/dev/null && echo 1)
# libmariadb-dev and sphinxsearch come with `scripts/install-deps` too; without
# them the check fails, unless PEERS_SKIP_SPHINX=1 leaves Sphinx out (loudly).
MARIADB_CFLAGS = $(shell $(PKG_CONFIG) --cflags libmariadb 2>/dev/null)
MARIADB_LIBS   = $(shell $(PKG_CONFIG) --libs libmariadb 2>/dev/null)
MARIADB_FOUND := $(shell $(PKG_CONFIG) --exists libmariadb 2>/dev/null && echo 1)
PEER_FIX := tests/fixtures/bench-peers

.PHONY: bench-peers check-bench-peers
bench-peers: $(BUILD)/bench/peer_pg $(BUILD)/bench/peer_fts5 $(BUILD)/bench/peer_sphinx

# The generic $(BUILD)/bench/% rule does not link libpq: this one does.
$(BUILD)/bench/peer_pg: bench/peer_pg.c $(BENCH_UTIL) $(GEN_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(PQ_CFLAGS) -o $@.o -c $<
	$(CXX) $(LDFLAGS_ALL) -o $@ $@.o $(BENCH_UTIL) $(GEN_OBJ) $(LIB) $(PQ_LIBS) $(PKG_LIBS) $(XAPIAN_LIBS)

# Nor libmariadb (SphinxQL speaks the MySQL protocol): this one does.
$(BUILD)/bench/peer_sphinx: bench/peer_sphinx.c $(BENCH_UTIL) $(GEN_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(MARIADB_CFLAGS) -o $@.o -c $<
	$(CXX) $(LDFLAGS_ALL) -o $@ $@.o $(BENCH_UTIL) $(GEN_OBJ) $(LIB) $(MARIADB_LIBS) $(PKG_LIBS) $(XAPIAN_LIBS)

# Each peer loads the fixture (10 published cases, one submitted), runs its
# 7 queries with and without facets, and must give exactly caselib's answers
# (totals, hit sets, the six disjunctive facet counts), which bench/peer-check
# computes now from this build of caselib over the same fixture with both
# engines (they must agree); it must print the 14 index and latency lines;
# raw FTS5 must score Cranfield above a floor; Sphinx also recounts every
# facet value of every query from its exact total_found (--verify), on the
# fixture and on 3,000 made-up cases whose sectors have 1,700 values (more
# groups than Sphinx's default max_matches keeps).
PEER_SKIP_MSG = check-bench-peers: PostgreSQL peer SKIPPED
SPHINX_FOUND = $(and $(MARIADB_FOUND),$(shell command -v indexer >/dev/null && command -v searchd >/dev/null && echo 1))
check-bench-peers: $(BIN) $(BUILD)/bench/peer_fts5 $(if $(PQ_FOUND),$(BUILD)/bench/peer_pg) \
		   $(if $(MARIADB_FOUND),$(BUILD)/bench/peer_sphinx)
	@t=$$(mktemp -d); trap 'rm -rf "$$t"' EXIT; chmod 755 "$$t"; \
	run() { name=$$1; shift; \
	  if ! "$$@" --corpus-file $(PEER_FIX)/cases.jsonl --queries $(PEER_FIX)/queries.jsonl \
	       --corpus real --warmup 0 --dump "$$t/$$name.jsonl" >"$$t/$$name.out" 2>"$$t/$$name.err"; then \
	    cat "$$t/$$name.err"; echo "check-bench-peers: $$name failed"; return 1; fi; \
	  bench/peer-check --caselib $(BIN) --fixture $(PEER_FIX) "$$name=$$t/$$name.jsonl" || \
	    { echo "check-bench-peers: $$name's answers differ from caselib's"; return 1; }; \
	  n=$$(grep -c '"corpus":"real"' "$$t/$$name.out"); \
	  [ "$$n" = 14 ] || { echo "check-bench-peers: $$name printed $$n result lines, not 14"; return 1; }; \
	  echo "check-bench-peers: $$name ok"; }; \
	run fts5 $(BUILD)/bench/peer_fts5 || exit 1; \
	$(BUILD)/bench/peer_fts5 --cranfield $(CASELIB_SHARED)/cranfield >"$$t/cran.out" 2>"$$t/cran.err" || \
	  { cat "$$t/cran.err"; exit 1; }; \
	awk -F'"value":' '/"metric":"map"/ { split($$2, a, ","); if (a[1] + 0 < 0.2) exit 1; ok = 1 } \
	  END { exit !ok }' "$$t/cran.out" || { echo "check-bench-peers: fts5 Cranfield MAP below 0.2"; cat "$$t/cran.out"; exit 1; }; \
	echo "check-bench-peers: fts5 cranfield ok"; \
	if [ "$(PEERS_SKIP_SPHINX)" = 1 ]; then \
	  echo "check-bench-peers: Sphinx peer SKIPPED (PEERS_SKIP_SPHINX=1): its answers are NOT checked"; \
	elif [ -z "$(SPHINX_FOUND)" ]; then \
	  echo "check-bench-peers: Sphinx (indexer, searchd) or libmariadb not found: run scripts/install-deps (as root), or PEERS_SKIP_SPHINX=1 to leave Sphinx out"; \
	  exit 1; \
	else \
	  run sphinx env SPHINX_PEER=$(BUILD)/bench/peer_sphinx scripts/bench-sphinx run "$$t/sphinx" \
	    $(PEER_FIX)/cases.jsonl -- $(BUILD)/bench/peer_sphinx --verify 7 || exit 1; \
	  awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "{\"id\":\"m-%d\",\"title\":\"ord %d\",\"authority_type\":\"la\",\"sectors\":[\"s%d\"],\"categories\":[\"c%d\",\"c%d\"],\"published\":\"2021-01-01\"}\n", i, i, i % 1700, i % 1300, (i * 7) % 1300 }' >"$$t/many.jsonl"; \
	  printf '%s\n' '{"q":"ord"}' '{"q":"ord","filters":{"sectors":["s5","s6"]}}' \
	    '{"q":"ord","filters":{"categories":["c5"],"authority_type":["la"]}}' >"$$t/manyq.jsonl"; \
	  SPHINX_PEER=$(BUILD)/bench/peer_sphinx scripts/bench-sphinx run "$$t/sphinx" "$$t/many.jsonl" -- \
	    $(BUILD)/bench/peer_sphinx --corpus-file "$$t/many.jsonl" --queries "$$t/manyq.jsonl" --corpus many \
	    --warmup 0 --verify 3 >"$$t/many.out" 2>&1 || \
	    { cat "$$t/many.out"; echo "check-bench-peers: sphinx's counts of a facet with 1,700 values are not exact"; exit 1; }; \
	  echo "check-bench-peers: sphinx exact past max_matches ok"; \
	fi; \
	if [ "$(PEERS_SKIP_PG)" = 1 ]; then \
	  echo "$(PEER_SKIP_MSG) (PEERS_SKIP_PG=1): its answers are NOT checked"; exit 0; fi; \
	if [ -z "$(PQ_FOUND)" ]; then \
	  echo "check-bench-peers: libpq not found: run scripts/install-deps (as root), or PEERS_SKIP_PG=1 to leave PostgreSQL out"; \
	  exit 1; fi; \
	rc=0; ci=$$(scripts/bench-pg start "$$t/pg" 2>"$$t/pg.start") || rc=$$?; \
	if [ $$rc = 2 ]; then cat "$$t/pg.start"; \
	  echo "check-bench-peers: no PostgreSQL server: run scripts/install-deps (as root), or PEERS_SKIP_PG=1 to leave it out"; \
	  exit 1; fi; \
	[ $$rc = 0 ] || { cat "$$t/pg.start"; echo "check-bench-peers: scripts/bench-pg start failed"; exit 1; }; \
	trap 'scripts/bench-pg stop "$$t/pg" >/dev/null 2>&1; rm -rf "$$t"' EXIT; \
	run pg $(BUILD)/bench/peer_pg --conninfo "$$ci"

TEST_EXTRA += check-bench-peers
