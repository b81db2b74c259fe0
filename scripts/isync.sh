#!/usr/bin/env bash
# Installs Debian's isync (mbsync) for the IMAP sync test (ImapMbsyncTest; DEPENDENCIES.md "IMAP/LMTP
# clients for tests") when it is missing. Called by `./msgstore test` before Maven. Needs root (or
# sudo) and apt the first time; does nothing when mbsync is on the PATH.
set -euo pipefail
if command -v mbsync >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO=sudo
fi
echo "Installing Debian's isync (mbsync) for the IMAP sync test..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || true
$SUDO apt-get install -y -qq --no-install-recommends isync >&2
