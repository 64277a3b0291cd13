# Local AT Protocol network (PLC + PDS, optional AppView) for the integration tests.
# Included from the main Makefile:  include tools/bsky-local/make.mk
# `install` is idempotent: a no-op (~40 ms) once the stamp matches Node 22.23.3 + the lock files;
# otherwise ~1.5-2 min (npm registry only; better-sqlite3 is compiled locally).

BSKY_LOCAL_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: bsky-local-install bsky-local-start bsky-local-stop

bsky-local-install:
	$(BSKY_LOCAL_DIR)/bsky-local.sh install

# For poking at the network by hand; the test fixtures start their own on free ports.
bsky-local-start: bsky-local-install
	$(BSKY_LOCAL_DIR)/bsky-local.sh start $(BSKY_LOCAL_ARGS)

bsky-local-stop:
	$(BSKY_LOCAL_DIR)/bsky-local.sh stop
