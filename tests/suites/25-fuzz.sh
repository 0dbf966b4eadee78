#!/usr/bin/env bash
# Smoke-run every libFuzzer target (fuzz/fuzz_*.c) for a bounded time:
# TM_FUZZ_SECONDS each (default 20).  fuzz/run.sh does the work; see it
# (and docs/classify.md) for longer runs.
set -uo pipefail
cd "$TM_ROOT"
FUZZ_OUT="${TM_TEST_STATE:-$TM_ROOT/var/test}/fuzz" fuzz/run.sh -t "${TM_FUZZ_SECONDS:-20}"
