#!/usr/bin/env python3
"""(Re)writes every examples/<provider>/<case>.headers from the body bytes and the test secrets.

The bodies (*.json) are the source of truth: they hold the exact bytes each provider sends and
are never re-serialised here. This script only reads them, computes each provider's credential
over those bytes with the fixed test secrets below, and writes the header files. Everything is
deterministic: timestamps (Standard Webhooks `webhook-timestamp`, Evolution JWT `iat`) are fixed,
so running it twice gives identical files.

    python3 examples/gen_signatures.py           # rewrite every .headers file
    python3 examples/gen_signatures.py --check   # exit 1 if a .headers file is missing or stale
    python3 examples/gen_signatures.py --verify  # independently verify every credential on disk

Only the Python standard library is used.
"""
import base64
import hashlib
import hmac
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------- test secrets
# The same values are the `${VAR:-default}` defaults in routes.d/, so the example config runs
# and its tests pass out of the box. Never use them in production.
SHOPIFY_SECRET = "shpss_test_secret"                    # SHOPIFY_WEBHOOK_SECRET
EVO_HEADER_SECRET = "evo-header-test-secret"            # EVO_WEBHOOK_SECRET  (X-Webhook-Secret)
EVO_JWT_KEY = "evo-jwt-test-key"                        # EVO_JWT_KEY         (Authorization: Bearer <HS256 JWT>)
EVO_GATEWAY_HMAC = "evo-gateway-hmac-test"              # EVO_GATEWAY_HMAC    (X-Signature, legacy gateway)
UAZAPI_TOKEN = "a3f5c1d2-7b8e-4f90-9c1d-2e3f4a5b6c7d"   # UAZAPI_TOKEN        (body field "token")
ODOO_API_KEY = "odoo-test-api-key"                      # ODOO_API_KEY        (X-API-Key)
ODOO_PATH_SECRET = "odoo-test-path-3f9a1c"              # ODOO_PATH_SECRET    (core Odoo: secret path segment)
FOCUS_AUTHORIZATION = "focus-test-authorization"        # FOCUS_HOOK_AUTH     (Authorization, verbatim)
FISCAL_SECRET = "fiscal-test-secret"                    # FISCAL_WEBHOOK_SECRET (X-Webhook-Signature, hex)
SW_KEY_BYTES = b"hookrouter-standard-wh24"              # 24 fixed bytes
SW_SECRET = "whsec_" + base64.b64encode(SW_KEY_BYTES).decode()  # BILLING_WEBHOOK_SECRET

# Fixed clock: 2026-11-18T11:06:40Z. Standard Webhooks and the Evolution JWT are time-bound;
# tests that replay these files verbatim must pass this clock (or re-sign, as `hookrouter test` does).
FIXED_NOW = 1795000000

# --------------------------------------------------------------------------- credentials
def shopify_hmac(body):
    return base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()).decode()


def hex_hmac(secret):
    return lambda body: hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def evolution_jwt(iat):
    """What Evolution v2.3+ puts in `Authorization` when the webhook headers hold `jwt_key`
    (jsonwebtoken.sign(payload, key, {algorithm: 'HS256'}): compact JSON, header alg then typ)."""
    def make(_body):
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        claims = {"iat": iat, "exp": iat + 600, "app": "evolution", "action": "webhook"}
        payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode()
        sig = b64url(hmac.new(EVO_JWT_KEY.encode(), signing_input, hashlib.sha256).digest())
        return f"Bearer {header}.{payload}.{sig}"
    return make


def standard_webhooks_signature(msg_id, timestamp):
    def make(body):
        key = base64.b64decode(SW_SECRET[len("whsec_"):])
        signed = f"{msg_id}.{timestamp}.".encode() + body
        return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return make


# --------------------------------------------------------------------------- cases
# Header lists in the order the provider sends them. Host, Content-Length and Connection are left
# out: the HTTP client sets them. A callable value is computed over the exact body bytes.
RUBY_ACCEPT_ENCODING = "gzip;q=1.0,deflate;q=0.6,identity;q=0.3"
AXIOS = [("Accept", "application/json, text/plain, */*"), ("Content-Type", "application/json"),
         ("User-Agent", "axios/1.7.9"), ("Accept-Encoding", "gzip, compress, deflate, br")]
REQUESTS = [("User-Agent", "python-requests/2.31.0"), ("Accept-Encoding", "gzip, deflate"),
            ("Accept", "*/*"), ("Content-Type", "application/json")]
GO_CLIENT = [("User-Agent", "Go-http-client/1.1"), ("Content-Type", "application/json"),
             ("Accept-Encoding", "gzip")]


def shopify(topic, webhook_id, event_id, triggered_at, prefix="X-Shopify-"):
    if prefix == "X-Shopify-":
        names = ["X-Shopify-Topic", "X-Shopify-Hmac-Sha256", "X-Shopify-Shop-Domain", "X-Shopify-API-Version",
                 "X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Triggered-At"]
    else:  # the newer event deliveries: same headers without "X-", lower case
        names = ["shopify-topic", "shopify-hmac-sha256", "shopify-shop-domain", "shopify-api-version",
                 "shopify-webhook-id", "shopify-event-id", "shopify-triggered-at"]
    values = [topic, shopify_hmac, "loja-aurora.myshopify.com", "2025-07", webhook_id, event_id, triggered_at]
    return [("Content-Type", "application/json"), ("User-Agent", "Shopify-Captain-Hook"), ("Accept", "*/*"),
            ("Accept-Encoding", RUBY_ACCEPT_ENCODING)] + list(zip(names, values))


def evolution(iat):
    # iat is FIXED_NOW for every case so that one clock validates every fixture.
    # The instance's webhook "headers" are {"X-Webhook-Secret": ..., "jwt_key": ...}; Evolution
    # sends the first as is and turns jwt_key into Authorization: Bearer <JWT>.
    return AXIOS + [("X-Webhook-Secret", EVO_HEADER_SECRET), ("Authorization", evolution_jwt(iat))]


def focus():
    return [("Content-Type", "application/json"), ("Authorization", FOCUS_AUTHORIZATION),
            ("Accept-Encoding", RUBY_ACCEPT_ENCODING), ("Accept", "*/*"), ("User-Agent", "Ruby")]


def fiscal():
    return [("Content-Type", "application/json"), ("User-Agent", "fiscal-sync/3.2.0"),
            ("X-Webhook-Signature", hex_hmac(FISCAL_SECRET))]


CASES = {
    ("shopify", "orders-paid"): shopify("orders/paid", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
                                        "98880550-7158-44d4-b7cd-2c97c8a091b5", "2026-11-18T11:06:12.834192746Z"),
    ("shopify", "orders-paid-new-headers"): shopify("orders/paid", "0f3c6a1e-5d2b-4c87-9e14-7a2b8c9d0e1f",
                                                    "98880550-7158-44d4-b7cd-2c97c8a091b5",
                                                    "2026-11-18T11:06:12.834192746Z", prefix="shopify-"),
    ("shopify", "orders-cancelled"): shopify("orders/cancelled", "6e2d9b47-1c3a-4f5e-8d7c-2b1a0f9e8d7c",
                                             "c1f0e9d8-7b6a-4c5d-9e8f-1a2b3c4d5e6f", "2026-11-18T12:41:08.117402893Z"),
    ("shopify", "refunds-create"): shopify("refunds/create", "a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d",
                                           "c1f0e9d8-7b6a-4c5d-9e8f-1a2b3c4d5e6f", "2026-11-18T12:41:07.903318540Z"),

    ("evolution", "messages-upsert"): evolution(FIXED_NOW),
    ("evolution", "messages-upsert-upper"): evolution(FIXED_NOW),
    ("evolution", "messages-upsert-from-me"): evolution(FIXED_NOW),
    ("evolution", "messages-update"): evolution(FIXED_NOW),
    ("evolution", "connection-update"): evolution(FIXED_NOW),
    # The older NioChat-style gateway signs the body (hex HMAC-SHA256 in X-Signature).
    ("evolution", "legacy-message"): REQUESTS + [("X-Signature", hex_hmac(EVO_GATEWAY_HMAC))],

    # Uazapi has no signature: its credential is the instance token inside the body.
    ("uazapi", "messages"): list(GO_CLIENT),
    ("uazapi", "messages-update"): list(GO_CLIENT),

    ("odoo", "credentials-sync"): REQUESTS + [("X-API-Key", ODOO_API_KEY)],
    ("odoo", "mapping-sync"): REQUESTS + [("X-API-Key", ODOO_API_KEY)],
    ("odoo", "credentials-sync-missing-field"): REQUESTS + [("X-API-Key", ODOO_API_KEY)],
    # Core Odoo 17 "Send Webhook Notification": no auth header at all (the path holds the secret).
    ("odoo", "sale-order"): list(REQUESTS),

    ("focusnfe", "nfe-autorizado"): focus(),
    ("focusnfe", "nfe-cancelado"): focus(),
    ("focusnfe", "nfe-erro-autorizacao"): focus(),
    ("focusnfe", "nfse-autorizado"): focus(),
    ("focusnfe", "cte-autorizado"): focus(),

    ("fiscal", "nfe-importada"): fiscal(),
    ("fiscal", "cte-importado"): fiscal(),
    ("fiscal", "erro-importacao"): fiscal(),

    ("standard-webhooks", "invoice-paid"): [
        ("Content-Type", "application/json"), ("User-Agent", "billing-webhooks/1.4"),
        ("webhook-id", "msg_2pQk7R4vT9wX1yZ3aB5cD8eF0gH"), ("webhook-timestamp", str(FIXED_NOW)),
        ("webhook-signature", standard_webhooks_signature("msg_2pQk7R4vT9wX1yZ3aB5cD8eF0gH", FIXED_NOW))],
}


def body_path(provider, case):
    return os.path.join(HERE, provider, case + ".json")


def headers_path(provider, case):
    return os.path.join(HERE, provider, case + ".headers")


def render(provider, case):
    with open(body_path(provider, case), "rb") as f:
        body = f.read()
    lines = []
    for name, value in CASES[(provider, case)]:
        lines.append(f"{name}: {value(body) if callable(value) else value}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- independent verification
def parse_headers(text):
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(": ")
        out[name.lower()] = value
    return out


def verify(provider, case):
    """Re-derives each credential the way a receiver would and returns a list of problems."""
    with open(body_path(provider, case), "rb") as f:
        body = f.read()
    json.loads(body)
    with open(headers_path(provider, case), encoding="utf-8") as f:
        h = parse_headers(f.read())
    eq = hmac.compare_digest
    problems = []
    if provider == "shopify":
        got = h.get("x-shopify-hmac-sha256") or h.get("shopify-hmac-sha256") or ""
        want = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()).decode()
        if not eq(got, want):
            problems.append("Shopify base64 HMAC does not match")
        topic = h.get("x-shopify-topic") or h.get("shopify-topic")
        if topic not in ("orders/paid", "orders/cancelled", "refunds/create"):
            problems.append(f"unexpected topic {topic!r}")
    elif provider == "evolution" and case == "legacy-message":
        if not eq(h.get("x-signature", ""), hmac.new(EVO_GATEWAY_HMAC.encode(), body, hashlib.sha256).hexdigest()):
            problems.append("X-Signature does not match")
    elif provider == "evolution":
        if not eq(h.get("x-webhook-secret", ""), EVO_HEADER_SECRET):
            problems.append("X-Webhook-Secret does not match")
        auth = h.get("authorization", "")
        if not auth.startswith("Bearer "):
            problems.append("Authorization is not a Bearer token")
        else:
            head, payload, sig = auth[len("Bearer "):].split(".")
            pad = lambda s: s + "=" * (-len(s) % 4)
            want = hmac.new(EVO_JWT_KEY.encode(), f"{head}.{payload}".encode(), hashlib.sha256).digest()
            if not eq(base64.urlsafe_b64decode(pad(sig)), want):
                problems.append("JWT signature does not match")
            if json.loads(base64.urlsafe_b64decode(pad(head))) != {"alg": "HS256", "typ": "JWT"}:
                problems.append("JWT header is not HS256")
            claims = json.loads(base64.urlsafe_b64decode(pad(payload)))
            if claims.get("app") != "evolution" or claims.get("action") != "webhook":
                problems.append("JWT claims app/action wrong")
            if claims.get("exp") != claims.get("iat", 0) + 600:
                problems.append("JWT exp is not iat + 600")
            if not claims.get("iat", 0) <= FIXED_NOW <= claims.get("exp", 0):
                problems.append("JWT not valid at the fixed clock")
    elif provider == "uazapi":
        if not eq(json.loads(body).get("token", ""), UAZAPI_TOKEN):
            problems.append("body token does not match")
    elif provider == "odoo":
        if case == "sale-order":
            if "x-api-key" in h or "authorization" in h:
                problems.append("core Odoo sends no auth header")
        elif not eq(h.get("x-api-key", ""), ODOO_API_KEY):
            problems.append("X-API-Key does not match")
    elif provider == "focusnfe":
        if not eq(h.get("authorization", ""), FOCUS_AUTHORIZATION):
            problems.append("Authorization does not match")
    elif provider == "fiscal":
        if not eq(h.get("x-webhook-signature", ""), hmac.new(FISCAL_SECRET.encode(), body, hashlib.sha256).hexdigest()):
            problems.append("X-Webhook-Signature does not match")
    elif provider == "standard-webhooks":
        key = base64.b64decode(SW_SECRET[len("whsec_"):])
        if len(key) != 24:
            problems.append("whsec_ key is not 24 bytes")
        msg_id, ts = h["webhook-id"], h["webhook-timestamp"]
        if abs(FIXED_NOW - int(ts)) > 300:
            problems.append("webhook-timestamp outside ±5 min of the fixed clock")
        want = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
        sigs = [s.split(",", 1)[1] for s in h["webhook-signature"].split(" ") if s.startswith("v1,")]
        if not any(eq(s, want) for s in sigs):
            problems.append("webhook-signature does not match")
    return problems


def main(argv):
    mode = argv[1] if len(argv) > 1 else "--write"
    bad = 0
    for (provider, case) in CASES:
        if mode == "--verify":
            problems = verify(provider, case)
            for p in problems:
                print(f"{provider}/{case}: {p}")
            bad += bool(problems)
            continue
        text = render(provider, case)
        path = headers_path(provider, case)
        if mode == "--check":
            try:
                with open(path, encoding="utf-8") as f:
                    current = f.read()
            except FileNotFoundError:
                current = None
            if current != text:
                print(f"{provider}/{case}.headers is missing or stale; run examples/gen_signatures.py")
                bad += 1
        elif mode == "--write":
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        else:
            print(__doc__)
            return 2
    if mode == "--verify" and not bad:
        print(f"all {len(CASES)} fixtures verified")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
