#!/usr/bin/env bash
# Install the Debian packages telemetrics needs to build, run and test,
# then the npm modules of ui/ and tests/.  Idempotent: a second run installs
# nothing.  Uses sudo when not root.
#
#   scripts/deps.sh            build + run + test dependencies
#   scripts/deps.sh --bench    also the benchmark tools (wrk)
. "$(dirname "$0")/lib.sh"

packages=(
	gcc make pkg-config curl ca-certificates
	postgresql-15 postgresql-server-dev-15 postgresql-15-cron libpq-dev
	libmicrohttpd-dev libjansson-dev
	clang libfuzzer-14-dev libclang-rt-14-dev
	chromium fonts-dejavu-core
)
if [ "${1:-}" = "--bench" ]; then
	packages+=(wrk)
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -gt 0 ]; then
	tm_log "installing Debian packages: ${missing[*]}"
	tm_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	tm_as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm modules, from the committed lockfiles.  "npm ci" only when the
# installed tree is older than the lockfile.
for d in ui tests/e2e; do
	if [ -f "$TM_ROOT/$d/package-lock.json" ]; then
		if [ ! -d "$TM_ROOT/$d/node_modules" ] || \
			[ "$TM_ROOT/$d/package-lock.json" -nt "$TM_ROOT/$d/node_modules/.package-lock.json" ]; then
			tm_log "installing npm modules in $d"
			(cd "$TM_ROOT/$d" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
		fi
	fi
done
