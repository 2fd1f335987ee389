# mk/crash.mk — crash safety, full disk and backup while writing
# (scripts/crash-test; docs/reliability.md, "Crash safety").
#
#   make check-crash        10 SIGKILL iterations + full disk + live backup; in make test
#   make test-crash         CRASH_ITERATIONS (200) iterations + full disk + live backup
#   make check-disk-full    the full-disk check alone (a tmpfs: needs root)
#   make check-backup-live  the backup-while-writing check alone
#
# CRASH_SEED=N replays a run's kill points and choices (the seed is printed
# first). Under the sanitizers: make BUILD_SAN=build-san SANITIZER=address,undefined check-crash

CRASH_ITERATIONS ?= 200
CRASH_CHECK_ITERATIONS ?= 10
CRASH_ENV = CASELIB_BIN=$(abspath $(BIN)) LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp)

.PHONY: check-crash test-crash check-disk-full check-backup-live

check-crash: $(BIN)
	$(CRASH_ENV) scripts/crash-test --iterations $(CRASH_CHECK_ITERATIONS)

test-crash: $(BIN)
	$(CRASH_ENV) scripts/crash-test --iterations $(CRASH_ITERATIONS)

check-disk-full: $(BIN)
	$(CRASH_ENV) scripts/crash-test --part disk

check-backup-live: $(BIN)
	$(CRASH_ENV) scripts/crash-test --part backup

TEST_EXTRA += check-crash
