#!/usr/bin/env bash
# End-to-end: `hookrouter check` against the example config and broken copies of it, asserting
# exact output and exit codes of the real binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash
# Copies of routes.d sit in $work; its tests read ../examples/…, so give them one.
ln -s "$PWD/examples" "$work/examples"

# The example config is valid.
expect_exit 0 $bin check routes.d
grep -q "routes.d: ok:" "$work/out" || fail "check routes.d did not report ok"

# A typo in a target name: exit 1, compiler-style location and a suggestion.
cp -r routes.d "$work/broken"
sed -i 's/to: \[inventory\]/to: [invetory]/' "$work/broken/shopify.yaml"
expect_exit 1 $bin check "$work/broken"
line=$(grep -n 'to: \[invetory\]' "$work/broken/shopify.yaml" | head -1 | cut -d: -f1)
grep -qF "$work/broken/shopify.yaml:$line:10: error: route 'paid-orders-to-inventory' sends to unknown target 'invetory' (did you mean 'inventory'?)" "$work/err" \
  || { cat "$work/err"; fail "unknown target diagnostic"; }

# JSON output is an array of diagnostics with the spec's fields.
expect_exit 1 $bin check "$work/broken" --format json
python3 - "$work/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, list) and d, d
for k in ("file", "line", "column", "severity", "message"):
    assert k in d[0], k
assert any(x["severity"] == "error" for x in d), d
PY

# Warnings pass unless --strict.
cp -r routes.d "$work/warn"
printf 'sources:\n  open:\n    adapter: none\n    path: /in/open\n' > "$work/warn/zz-open.yaml"
expect_exit 0 $bin check "$work/warn"
grep -q "warning: source 'open' has no authentication" "$work/err" || fail "adapter none warning"
expect_exit 1 $bin check "$work/warn" --strict

# Editor temp files are ignored.
cp -r routes.d "$work/temp"
echo 'garbage: [' > "$work/temp/shopify.yaml.swp"
echo 'garbage: [' > "$work/temp/.#shopify.yaml"
echo 'garbage: [' > "$work/temp/shopify.yaml~"
expect_exit 0 $bin check "$work/temp"

# Usage errors exit 2; a missing directory exits 1 with a sentence naming it.
expect_exit 2 $bin check --format xml routes.d
expect_exit 2 $bin check --nope
expect_exit 1 $bin check "$work/does-not-exist"
grep -q "does not exist" "$work/err" || fail "missing directory message"
expect_exit 0 $bin check --help
expect_exit 2 $bin frobnicate

echo "check e2e: $passed passed, 0 failed"
