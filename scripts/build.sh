#!/usr/bin/env bash
# Build everything with warnings as errors and install the extension into
# PostgreSQL 15 (with sudo when not root).  Used by run.sh and test.sh.
. "$(dirname "$0")/lib.sh"
cd "$TM_ROOT"
make -s -j"$(nproc)" >/dev/null
if [ -w "$(pg_config --pkglibdir)" ]; then
	make -s install >/dev/null
else
	sudo make -s install >/dev/null
fi
