#!/usr/bin/env bash
# Make Debian's headless Chromium and its driver available for the console's browser tests (tests/browser/).
# Idempotent: does nothing when /usr/bin/chromium is already there. The tests drive this browser through
# Playwright's Python package (executable_path=/usr/bin/chromium); no browser is ever downloaded by Playwright.
#
#   scripts/install-browser.sh          # as root, or with password-less sudo
#   CHROMIUM=/opt/chromium/chrome scripts/install-browser.sh   # check another binary instead (no install)
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if [ "$(id -u)" = 0 ]; then
  as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root() { sudo -n "$@"; }
else
  echo "install-browser: $CHROMIUM is missing; run this script as root (or with password-less sudo)" >&2
  echo "  or install it yourself: apt-get install chromium chromium-driver" >&2
  exit 1
fi

echo "install-browser: installing Debian's chromium and chromium-driver (about a minute)..." >&2
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null

if [ ! -x "$CHROMIUM" ]; then
  echo "install-browser: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi
"$CHROMIUM" --version >&2
