#!/usr/bin/env bash
# Fills the web app's vendor directory from the npm registry (never committed): htmx.
# Idempotent: does nothing when the pinned version is already in place. Without it the web app
# still works (plain forms and pages; a warning in the log names this script).
set -euo pipefail

HTMX_VERSION=2.0.11
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/src/shturman/interfaces/web/static/vendor"
work="$root/.web-vendor"   # git-ignored npm prefix
stamp="$dest/.htmx-$HTMX_VERSION"

if [ -s "$dest/htmx.min.js" ] && [ -e "$stamp" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "setup-web: npm not found (apt-get install npm); the web app runs without htmx" >&2
  exit 0
fi
mkdir -p "$dest" "$work"
echo "setup-web: npm install htmx.org@$HTMX_VERSION"
npm install --prefix "$work" --no-audit --no-fund --no-save --silent "htmx.org@$HTMX_VERSION"
cp "$work/node_modules/htmx.org/dist/htmx.min.js" "$dest/htmx.min.js"
rm -f "$dest"/.htmx-*
touch "$stamp"
