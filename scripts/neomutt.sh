#!/usr/bin/env bash
# Installs Debian's neomutt for the IMAP CONDSTORE/QRESYNC client test (ImapNeomuttTest;
# DEPENDENCIES.md "IMAP/LMTP clients for tests") when it is missing. Called by `./msgstore test`
# before Maven. Needs root (or sudo) and apt the first time; does nothing when neomutt is on the PATH.
set -euo pipefail
if command -v neomutt >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO=sudo
fi
echo "Installing Debian's neomutt for the IMAP QRESYNC client test..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || true
$SUDO apt-get install -y -qq --no-install-recommends neomutt >&2
