# Load and soak (scripts/soak, docs/reliability.md): wrk on loopback with a
# mixed workload over the real corpus (built once by scripts/run-demo and
# cached in $(BUILD)/soak-data). `make soak` is the long form (60 s at
# c=64 after a 30 s warm-up); check-soak, the short form (10 s at c=16 after
# the same 30 s warm-up: with 10 s the caches were still filling and the
# idle RSS could end >10% above start, 17.7% once), runs in `make test`.
SOAK_SECONDS ?= 60
SOAK_CONNECTIONS ?= 64

.PHONY: soak check-soak
soak: $(BIN)
	scripts/soak $(BIN) $(SOAK_SECONDS) $(SOAK_CONNECTIONS)

check-soak: $(BIN)
	WARMUP=30 WARMUP_PEAK_OK=1 scripts/soak $(BIN) 10 16

TEST_EXTRA += check-soak
