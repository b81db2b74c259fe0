#!/usr/bin/env bash
# Installs imapflow 2.10.2 (npm; DEPENDENCIES.md "IMAP/LMTP clients for tests") for ImapflowQresyncTest
# when it is missing, into DIR (default ~/.cache/msgstore/imapflow-2.10.2), and prints DIR.
# Needs node and npm (Debian: apt-get install nodejs npm) and the npm registry the first time.
set -euo pipefail
DIR="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/msgstore/imapflow-2.10.2}"
if [ -f "$DIR/node_modules/imapflow/package.json" ]; then
  echo "$DIR"
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "imapflow.sh: npm is missing (apt-get install nodejs npm)" >&2; exit 1; }
mkdir -p "$DIR"
echo "Installing imapflow 2.10.2 into $DIR..." >&2
npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error imapflow@2.10.2 >&2
echo "$DIR"
