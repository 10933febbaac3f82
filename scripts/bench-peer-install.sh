#!/bin/sh
# Installs the Node.js peer's dependencies (ws, better-sqlite3) exactly as pinned in
# tests/bench/peers/node/package-lock.json. better-sqlite3 builds its native module from source
# when no prebuilt binary can be fetched (needs g++, make, python3; about a minute on 2 cores).
# Idempotent: does nothing when node_modules already matches the lock file.
set -eu
cd "$(dirname "$0")/../tests/bench/peers/node"
if [ -d node_modules/better-sqlite3/build/Release ] && [ -d node_modules/ws ] \
   && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    echo "peer dependencies already installed"
    exit 0
fi
npm ci --no-audit --no-fund
node -e "require('better-sqlite3'); require('ws')" && echo "peer dependencies installed"
