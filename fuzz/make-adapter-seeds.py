#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/adapters from examples/*/ (payload + .headers sibling), in the layout
fuzz/adapters/FuzzAdapters.swift reads: source byte, flags byte, header lines, LF LF, body.
Run from the repository root; files are committed."""
import glob, os

# Index of each source in FuzzAdapters.swift's config (table.sources keeps declaration order).
SOURCES = ["shopify", "evolution", "evolution-gateway", "uazapi", "odoo-config", "odoo-sales", "focusnfe",
           "fiscal", "hmac-b64", "hmac-default", "billing", "standard", "open", "open-plain"]
BY_DIR = {"shopify": "shopify", "evolution": "evolution", "uazapi": "uazapi", "odoo": "odoo-config",
          "focusnfe": "focusnfe", "fiscal": "fiscal", "standard-webhooks": "billing"}
ON_TIME = 32 << 2  # clock offset 0: the examples' fixed clock

out = "fuzz/corpus/adapters"
os.makedirs(out, exist_ok=True)
for payload in sorted(glob.glob("examples/*/*.json")):
    d = os.path.basename(os.path.dirname(payload))
    name = os.path.splitext(os.path.basename(payload))[0]
    headers_path = payload[:-5] + ".headers"
    headers = open(headers_path, "rb").read().replace(b"\r\n", b"\n").strip(b"\n") if os.path.exists(headers_path) else b""
    body = open(payload, "rb").read()
    source = SOURCES.index(BY_DIR[d])
    # As sent (verifies verbatim), and signed by the fuzzer with the headers dropped.
    with open(os.path.join(out, f"{d}-{name}"), "wb") as f:
        f.write(bytes([source, ON_TIME]) + headers + b"\n\n" + body)
    with open(os.path.join(out, f"{d}-{name}-signed"), "wb") as f:
        f.write(bytes([source, ON_TIME | 1 | (2 if d == "evolution" else 0)]) + b"Content-Type: application/json\n\n" + body)
# The generic sources, signed, over a few shapes.
for i, s in enumerate(SOURCES):
    if s in BY_DIR.values():
        continue
    with open(os.path.join(out, f"{s}-signed"), "wb") as f:
        f.write(bytes([i, ON_TIME | 1]) + b"X-Id: abc\n\n" + b'{"type":"a.b","evento":"x","data":{"kind":"k","n":1e400},"_id":7,"dados":{"chave_acesso":"35"}}')
