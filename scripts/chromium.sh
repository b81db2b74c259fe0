#!/usr/bin/env bash
# Installs Debian's chromium for the web UI's browser tests when it is missing (Playwright drives
# it; no browser download: DEPENDENCIES.md "Browser tests"). Called by `./msgstore test` before
# Maven. Needs root (or sudo) and apt the first time; does nothing when /usr/bin/chromium exists.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO=sudo
fi
echo "Installing Debian's chromium for the browser tests..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || true
$SUDO apt-get install -y -qq --no-install-recommends chromium >&2
