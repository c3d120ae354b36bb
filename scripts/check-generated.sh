#!/usr/bin/env bash
# Fails when regenerating templ code or the built CSS/JS would change what is
# in the working tree: the committed output must match its sources. It
# compares before/after hashes rather than against git, so it also works on
# uncommitted edits.
set -euo pipefail
cd "$(dirname "$0")/.."

snapshot() {
  { find views -name '*_templ.go' -type f; find static/dist -type f; } | LC_ALL=C sort | xargs sha256sum
}

before=$(snapshot)
go tool templ generate >/dev/null
npm run --silent build >/dev/null 2>&1 || { npm run build; exit 1; }
after=$(snapshot)

if [ "$before" != "$after" ]; then
  echo "Generated code or built assets were stale; 'make generate' changed:" >&2
  diff <(echo "$before") <(echo "$after") | sed -n 's/^> /  /p' | awk '{print "  " $2}' >&2
  echo "Run 'make generate' and commit the result." >&2
  exit 1
fi
echo "generated code and built assets are current"
