# Load and soak (scripts/soak, docs/reliability.md): wrk on loopback with a
# mixed workload over the real corpus (built once by scripts/run-demo and
# cached in $(BUILD)/soak-data). `make soak` is the long form (60 s at
# c=64 after a 30 s warm-up; RSS end within 10% of start); check-soak, the
# short form (10 s at c=16 after the same warm-up), runs in `make test` and
# checks the live heap instead: over 10 s RSS moves by allocator steps of
# several MB that are no leak (+17.7% and +17.0% in two runs), see the
# header of scripts/soak.
SOAK_SECONDS ?= 60
SOAK_CONNECTIONS ?= 64

.PHONY: soak check-soak
soak: $(BIN)
	scripts/soak $(BIN) $(SOAK_SECONDS) $(SOAK_CONNECTIONS)

check-soak: $(BIN)
	WARMUP=30 MEMCHECK=heap scripts/soak $(BIN) 10 16

TEST_EXTRA += check-soak
