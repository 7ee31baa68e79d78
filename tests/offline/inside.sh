#!/usr/bin/env bash
# Run by run.sh inside `unshare -n`: BUNDLE_DIR WORK. Installs and uses csbm, each step under
# strace, then fails on any connect() to an address other than loopback.
set -euo pipefail
bundle="$1"
work="$2"
ip link set lo up
cd "$work"
export CSBM_DATABASE_URL="sqlite:///$work/data/csbm.sqlite3" CSBM_REPORTS_DIR="$work/reports" CSBM_HOME_STATE=BY
# A clean machine's environment: no proxy, no pip mirror, no pyenv shims on the way.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# step NAME OUTPUT COMMAND...: COMMAND's standard output goes to OUTPUT.
step() {
  local name="$1" output="$2"; shift 2
  echo "  $name: ${*##*/}"
  strace -f -qq -e trace=connect -e signal=none -o "$work/strace.$name" "$@" > "$output"
}

# connect() calls to anything but loopback (AF_UNIX and AF_UNSPEC are not the network).
network_attempts() {
  grep -h -E 'connect\(.*sa_family=AF_INET6?' "$@" \
    | grep -v -E 'inet_addr\("127\.|inet_pton\(AF_INET6, "(::1|::ffff:127\.[0-9.]+)"' || true
}

# The detector itself first: a step that does try the network must be caught.
strace -f -qq -e trace=connect -e signal=none -o "$work/canary" /usr/bin/python3 -c 'import socket
try: socket.create_connection(("192.0.2.1", 80), timeout=1)
except OSError: pass'
[ -n "$(network_attempts "$work/canary")" ] || { echo "strace did not see a connect() to 192.0.2.1"; exit 1; }
echo "  canary: a connect() to 192.0.2.1 is seen and would fail the test"

step install "$work/install.log" env PYTHON=/usr/bin/python3 "$bundle/install.sh" "$work/csbm"
csbm="$work/csbm/bin/csbm"
step db-upgrade /dev/null "$csbm" db upgrade
step agreements-load /dev/null "$csbm" agreements load
step demo /dev/null "$csbm" demo
step quota "$work/quota.txt" "$csbm" quota --year 2026 --state BY
grep -q "vd2011" "$work/quota.txt" || { echo "quota: no vd2011 row in the output"; cat "$work/quota.txt"; exit 1; }
step report /dev/null "$csbm" report --period 2025Q2 --format pdf --lang ru
pdf="$work/reports/2025Q2-BY/ru/report.pdf"
pdftotext "$pdf" "$work/report.txt"
grep -q "Отчёт о соблюдении" "$work/report.txt" \
  || { echo "report: the Russian PDF has no Cyrillic title:"; head -20 "$work/report.txt"; exit 1; }
echo "  report: $pdf has its Russian text"

strace -f -qq -e trace=connect -e signal=none -o "$work/strace.serve" "$csbm" serve --port 8765 > "$work/serve.log" 2>&1 &
tracer=$!
answer=""
for _ in $(seq 1 100); do
  answer="$(/usr/bin/python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:8765/api/v1/health", timeout=2).read().decode())' 2>/dev/null)" && break
  sleep 0.3
done
kill -TERM $(pgrep -P "$tracer") 2>/dev/null || true
wait "$tracer" || true
[ -n "$answer" ] || { echo "serve: /api/v1/health never answered"; cat "$work/serve.log"; exit 1; }
echo "  serve: /api/v1/health answered $answer"

# Any connect() to an Internet address, of any step or any child it started, is a failure.
tried="$(network_attempts "$work"/strace.*)"
if [ -n "$tried" ]; then
  echo "a step tried the network:"
  grep -l -E 'connect\(.*sa_family=AF_INET6?' "$work"/strace.* | sed 's/^/  in /'
  echo "$tried" | head -20
  exit 1
fi
echo "  strace: $(cat "$work"/strace.* | grep -c 'connect(' || true) connect() calls, all to loopback or local sockets"
