#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded browser) and inject axe-core from npm.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  echo "==> Installing Debian's Chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core
fi
if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> Installing pinned npm packages (axe-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi
