#!/usr/bin/env bash
# Build everything (warnings are errors) and install the extension into
# var/pg15, the private PostgreSQL tree the scripts run (lib.sh,
# tm_pg_tree).  Used by run.sh, test.sh and the benchmarks.  A system-wide
# install is "make install" (see the README); this needs no root.
. "$(dirname "$0")/lib.sh"
cd "$TM_ROOT"
tm_pg_tree
make -s -j"$(nproc)" >/dev/null
make -s install DESTDIR="$(cd "$TM_PG_TREE" && pwd -P)" >/dev/null
