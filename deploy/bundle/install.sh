#!/bin/sh
# Install csbm from this offline bundle, with no network at all.
#
#   ./install.sh [--install-debs] TARGET        e.g. ./install.sh /opt/csbm-0.1.0
#
# 1. checks every file of the bundle against SHA256SUMS;
# 2. checks Python 3.11 with its venv module, and the Debian packages PDF output needs
#    (naming the missing ones, and the command that installs them);
# 3. creates a virtual environment in TARGET (which must be new or empty) and installs
#    the bundle's wheels into it: pip install --no-index --require-hashes, from the bundle only;
# 4. checks that csbm starts and that WeasyPrint finds Pango.
# --install-debs (as root) first installs the bundle's debs/ with apt-get, offline.
# PYTHON chooses the interpreter (default python3).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
PDF_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core"
install_debs=0

say() { printf '%s\n' "install.sh: $*"; }
fail() { printf '%s\n' "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --install-debs) install_debs=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) fail "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || fail "usage: ./install.sh [--install-debs] TARGET (a new folder, e.g. /opt/csbm-0.1.0)"
target=$1
case "$target" in /*) ;; *) target="$(pwd)/$target" ;; esac

# ---- 1. the bundle is whole ----------------------------------------------------------
( cd "$here" && sha256sum --check --strict --quiet SHA256SUMS ) \
  || fail "the bundle does not match its SHA256SUMS (damaged or altered in transit): copy it again"
say "bundle verified: every file matches SHA256SUMS"

# ---- 2. what the machine must have ----------------------------------------------------
missing_packages() {
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s ' "$p"
  done
}
apt_command() {
  if [ -d "$here/debs" ]; then
    echo "sudo apt-get install --no-download $here/debs/*.deb   (or: sudo ./install.sh --install-debs $target)"
  else
    echo "sudo apt-get install $*"
  fi
}

if [ "$install_debs" = 1 ]; then
  [ -d "$here/debs" ] || fail "--install-debs: this bundle has no debs/ (build it with make bundle DEBS=1)"
  [ "$(id -u)" = 0 ] || fail "--install-debs needs root"
  say "installing the bundle's Debian packages (offline)"
  apt-get install -y -q --no-download "$here"/debs/*.deb >/dev/null
fi

command -v "$PYTHON" >/dev/null 2>&1 || fail "no $PYTHON: csbm needs Python 3.11 ($(apt_command python3 python3-venv))"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || fail "$PYTHON is $("$PYTHON" -c 'import platform; print(platform.python_version())'); this bundle's wheels are for Python 3.11"
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  fail "$PYTHON cannot make a virtual environment: install python3-venv: $(apt_command python3-venv)"
fi
pdf_missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  pdf_missing=$(missing_packages $PDF_PACKAGES)
  if [ -n "$pdf_missing" ]; then
    say "WARNING: PDF reports need these Debian packages, which are missing: $pdf_missing"
    say "  install them with: $(apt_command $pdf_missing)"
  fi
else
  say "WARNING: not a Debian system: make sure Pango (>= 1.44), HarfBuzz and DejaVu fonts are installed for PDF reports"
fi

# ---- 3. the virtual environment -------------------------------------------------------
if [ -e "$target" ] && [ -n "$(ls -A "$target" 2>/dev/null)" ]; then
  fail "$target exists and is not empty: install each version into a new folder (see README.md, Upgrading)"
fi
"$PYTHON" -m venv "$target"
# pip must see nothing but the bundle: no configuration file, no PIP_* variable, no index.
for variable in $(env | sed -n 's/^\(PIP_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$variable"; done
PIP_CONFIG_FILE=/dev/null "$target/bin/python" -m pip --isolated --disable-pip-version-check --no-cache-dir \
  install --quiet --no-index --find-links "$here/wheels" --require-hashes --only-binary :all: \
  -r "$here/requirements.txt" \
  || fail "pip could not install the bundle into $target (see above); nothing outside the bundle was used"

# ---- 4. it runs -----------------------------------------------------------------------
"$target/bin/csbm" --help >/dev/null || fail "$target/bin/csbm does not start"
if ! "$target/bin/python" -c 'import weasyprint' >/dev/null 2>&1; then
  say "WARNING: WeasyPrint cannot load Pango: PDF reports will fail until you run: $(apt_command ${pdf_missing:-$PDF_PACKAGES})"
fi
say "csbm $("$target/bin/python" -c 'import app; print(app.__version__)') is installed in $target"
say "next: see README.md (configure /etc/csbm/csbm.env, then csbm db upgrade, csbm agreements load, csbm doctor)"
