#!/usr/bin/env bash
# The offline install test (docs/deployment.md, section 1): build the bundle, then, as root
# inside a network namespace whose only interface is loopback (unshare -n), install it into
# a fresh folder and use it: db upgrade, agreements load, demo, quota, a Russian PDF report,
# serve answering /api/v1/health. Every step runs under strace; the test fails if any step
# tried to connect anywhere but 127.0.0.1 or ::1, even if it went on without the network.
#
#   tests/offline/run.sh [BUNDLE.tar.gz]      (default: make bundle, then dist/'s newest)
#
# Exit 0 passed, 1 failed, 77 skipped (the reason is printed: not root, no unshare -n, ...).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

skip() { echo "offline install test: SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (for unshare -n)"
unshare -n true 2>/dev/null || skip "this machine does not allow unshare -n (no network namespaces)"
for tool in strace pdftotext ip sha256sum; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (make offline-test installs strace; pdftotext: poppler-utils)"
done

started=$(date +%s)
if [ $# -ge 1 ]; then
  bundle="$1"
else
  make -C "$root" --no-print-directory bundle > "${TMPDIR:-/tmp}/csbm-offline-bundle.log" 2>&1 \
    || { cat "${TMPDIR:-/tmp}/csbm-offline-bundle.log"; exit 1; }
  bundle="$(ls -t "$root"/dist/csbm-offline-*.tar.gz | head -1)"
fi
work="$(mktemp -d /tmp/csbm-offline.XXXXXX)"
trap 'rm -rf "$work"' EXIT
tar xzf "$bundle" -C "$work"
unpacked="$(ls -d "$work"/csbm-offline-*/)"
echo "offline install test: $(basename "$bundle"), in $work"

unshare -n "$here/inside.sh" "${unpacked%/}" "$work"

echo "offline install test: passed in $(( $(date +%s) - started )) s; no step tried the network"
