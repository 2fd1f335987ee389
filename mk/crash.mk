# mk/crash.mk — crash safety, full disk and backup while writing
# (scripts/crash-test; docs/reliability.md, "Crash safety").
#
#   make check-crash        10 SIGKILL iterations, at least 2 mid-run kills of each
#                           kind, + full disk + live backup; in make test
#   make test-crash         CRASH_ITERATIONS (200) iterations, at least 20 mid-run
#                           kills of each kind, + full disk + live backup
#   make check-disk-full    the full-disk check alone (a tmpfs: as root, else in a
#                           user namespace, else RLIMIT_FSIZE; it says which)
#   make check-backup-live  the backup-while-writing check alone
#
# CRASH_SEED=N replays a run's kill points and choices (the seed is printed
# first and last). Under the sanitizers:
#   make BUILD_SAN=build-san SANITIZER=address,undefined check-crash

CRASH_ITERATIONS ?= 200
CRASH_MIN_MID ?= 20
CRASH_CHECK_ITERATIONS ?= 10
CRASH_CHECK_MIN_MID ?= 2
CRASH_ENV = CASELIB_BIN=$(abspath $(BIN)) LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp)

.PHONY: check-crash test-crash check-disk-full check-backup-live

check-crash: $(BIN)
	$(CRASH_ENV) scripts/crash-test --iterations $(CRASH_CHECK_ITERATIONS) \
	  --min-mid $(CRASH_CHECK_MIN_MID)

test-crash: $(BIN)
	$(CRASH_ENV) scripts/crash-test --iterations $(CRASH_ITERATIONS) --min-mid $(CRASH_MIN_MID)

check-disk-full: $(BIN)
	$(CRASH_ENV) scripts/crash-test --part disk

check-backup-live: $(BIN)
	$(CRASH_ENV) scripts/crash-test --part backup

TEST_EXTRA += check-crash
