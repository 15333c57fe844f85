#!/usr/bin/env bash
# Headless Chromium for the dashboard's browser test (test/integration/ui/) and `npm run bench:ui`.
#
#   scripts/chromium.sh install   install Debian's chromium package when it is missing (apt-get)
#   scripts/chromium.sh path      install if needed, then print the browser's path
#   scripts/chromium.sh status    exit 0 when the browser is there and starts
#
# CHROMIUM_PATH points at another Chromium or Chrome build instead. The browser downloads of
# puppeteer and playwright reach no host here; Debian's package is the browser both drive.
set -euo pipefail
cd "$(dirname "$0")/.."

BROWSER=${CHROMIUM_PATH:-/usr/bin/chromium}

say() { echo "chromium: $*" >&2; }

runs() { [ -x "$BROWSER" ] && "$BROWSER" --headless --no-sandbox --version >/dev/null 2>&1; }

install() {
  runs && return 0
  if [ -n "${CHROMIUM_PATH:-}" ]; then say "CHROMIUM_PATH=$CHROMIUM_PATH does not run"; exit 1; fi
  command -v apt-get >/dev/null || { say "needs apt-get (Debian or Ubuntu) to install chromium, or CHROMIUM_PATH"; exit 1; }
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { say "run as root or with sudo to install chromium"; exit 1; }
    sudo=(sudo)
  fi
  say "installing Debian's chromium package…"
  # Other checkouts on the machine may install at the same time: apt waits for dpkg's lock
  # instead of failing at once, and the lock file below keeps two of these scripts apart.
  (
    flock 9
    runs && exit 0
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
      --no-install-recommends chromium fonts-dejavu-core >/dev/null
  ) 9>/tmp/fleetstream-chromium.lock
  runs || { say "chromium was installed but $BROWSER does not start"; exit 1; }
  say "installed: $("$BROWSER" --headless --no-sandbox --version 2>/dev/null)"
}

case "${1:-}" in
  install) install ;;
  path) install && echo "$BROWSER" ;;
  status) runs && say "$("$BROWSER" --headless --no-sandbox --version 2>/dev/null)" || { say "not installed at $BROWSER"; exit 1; } ;;
  *) echo "usage: $0 install|path|status" >&2; exit 2 ;;
esac
