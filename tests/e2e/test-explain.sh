#!/usr/bin/env bash
# End-to-end: `hookrouter test` and `hookrouter explain` against the example config, the example
# payloads and broken copies of them, asserting output and exit codes of the real binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib.bash

# --- hookrouter test ---------------------------------------------------------------------------
expect_exit 0 $bin test routes.d
grep -Eq '^[1-9][0-9]* passed, 0 failed$' "$work/out" || { cat "$work/out"; fail "test routes.d summary"; }
[ "$(tail -1 "$work/out")" = "$(grep -E 'passed, .* failed$' "$work/out")" ] || fail "summary is not the last line"
! grep -q '^FAIL' "$work/out" || fail "a FAIL line with 0 failed"

# A copy with one route broken: the paid-order route listens for the wrong event. The copy keeps
# routes.d's relative body_file paths working by sitting next to a link to examples/.
mkdir "$work/tree"
cp -r routes.d "$work/tree/routes.d"
ln -s "$PWD/examples" "$work/tree/examples"
sed -i 's/events: \[orders\/paid\]/events: [orders\/create]/' "$work/tree/routes.d/shopify.yaml"
expect_exit 1 $bin test "$work/tree/routes.d"
grep -q "^FAIL paid order reaches inventory: expected target inventory not reached" "$work/out" || { cat "$work/out"; fail "failing case not named"; }
grep -q "tests.yaml:[0-9]*:[0-9]*)$" "$work/out" || fail "failing case has no file:line"
grep -Eq '^[0-9]+ passed, [1-9][0-9]* failed$' "$work/out" || fail "summary with failures"

# A broken file is a compile error, not a test run.
echo 'routes: [' > "$work/tree/routes.d/zz-broken.yaml"
expect_exit 1 $bin test "$work/tree/routes.d"
expect_exit 2 $bin test --nope
expect_exit 0 $bin test --help

# --- hookrouter explain ------------------------------------------------------------------------
# Headers come from the sibling .headers file: the real Shopify signature is verified.
expect_exit 0 $bin explain routes.d --source shopify examples/shopify/orders-paid.json
grep -q "result:  accepted as 'orders/paid'" "$work/out" || fail "explain verdict"
grep -q "match  paid-orders-to-inventory -> inventory" "$work/out" || fail "explain matched route"
grep -q "no     returns-to-inventory: type 'orders/paid' is not in events" "$work/out" || fail "explain other route's reason"
grep -Eq '^(X-Webhook-Signature: [0-9a-f]{64}|webhook-signature: v1,[A-Za-z0-9+/=]{44})$' "$work/out" || fail "explain signature header"
grep -q '^POST http://127.0.0.1:9999/inventory/shopify$' "$work/out" || fail "explain request line"

# A wrong signature: exit 1 with the reason, nothing routed.
expect_exit 1 $bin explain routes.d --source shopify --header 'X-Shopify-Topic: orders/paid' \
  --header 'X-Shopify-Shop-Domain: loja-aurora.myshopify.com' \
  --header 'X-Shopify-Hmac-Sha256: 3oIp4ZnJouGbExI0r+WiBv6+Tk9fFch+lzihSXVlwcE=' examples/shopify/orders-paid.json
grep -q "rejected with 401: unauthorized: signature does not match" "$work/out" || fail "explain rejection reason"
! grep -q "^request 1" "$work/out" || fail "a rejected request shows deliveries"

# The Odoo credentials: the password and the API key never appear, the route still matches.
expect_exit 0 $bin explain routes.d --source odoo-config examples/odoo/credentials-sync.json
grep -q "match  odoo-config-sync -> config-service" "$work/out" || fail "odoo route"
! grep -q "senha-de-teste-Odoo17!" "$work/out" "$work/err" || fail "explain shows the Odoo password"
! grep -q "odoo-test-api-key" "$work/out" "$work/err" || fail "explain shows the Odoo API key"
grep -q '"odoo_password": "<redacted>"' "$work/out" || fail "odoo_password not shown as redacted"

# A missing required field: 422, naming the path.
expect_exit 1 $bin explain routes.d --source odoo-config examples/odoo/credentials-sync-missing-field.json
grep -q "rejected with 422: invalid: missing data.odoo_password" "$work/out" || fail "422 reason"

# Time-bound credentials are checked against --now; the real clock is days past the fixture's.
expect_exit 0 $bin explain routes.d --source billing --now 1795000000 examples/standard-webhooks/invoice-paid.json
expect_exit 1 $bin explain routes.d --source billing examples/standard-webhooks/invoice-paid.json

expect_exit 2 $bin explain routes.d examples/shopify/orders-paid.json
expect_exit 2 $bin explain routes.d --source shopfy examples/shopify/orders-paid.json
grep -q "did you mean 'shopify'" "$work/err" || fail "unknown source suggestion"
expect_exit 1 $bin explain routes.d --source shopify "$work/no-such.json"

echo "test/explain e2e: $passed passed, 0 failed"
