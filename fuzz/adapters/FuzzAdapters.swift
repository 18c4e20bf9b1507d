// libFuzzer target: every adapter's `receive` over arbitrary body bytes and data-derived headers.
// Built as one module `Rules` from Sources/Rules/** and Sources/Adapters/** by scripts/fuzz.
//
// Input layout (fuzz/make-adapter-seeds.py writes seeds in it):
//   byte 0   which source (index into `table.sources`, modulo their count)
//   byte 1   flags: bit 0 sign the request first (so verification passes and normalisation runs on the
//            fuzzed body), bit 1 a by-events path suffix, bits 2–7 clock offset in steps of 64 s around
//            the examples' fixed clock (Unix 1_795_000_000)
//   then     header lines `Name: value` separated by LF, ended by an empty line (LF LF); the rest is the body.
//            Without an empty line, everything after byte 1 is the body.
// Adapters must never trap; what they accept must carry a type, an id and the source's name.

@inline(never)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// The sources of routes.d (defaults of their `${VAR:-default}` secrets) and a few variants of the generic ones.
let config = #"""
sources:
  shopify: { adapter: shopify, path: /in/shopify, secret: [shpss_test_secret, old], allow_shops: ["*.myshopify.com"] }
  evolution:
    adapter: evolution
    path: /in/evolution
    by_events: true
    auth: { header: { name: X-Webhook-Secret, value: evo-header-test-secret }, jwt_key: evo-jwt-test-key }
  evolution-gateway: { adapter: evolution, path: /in/evolution-gateway, auth: { signature: { header: X-Signature, secret: evo-gateway-hmac-test } } }
  uazapi: { adapter: uazapi, path: /in/uazapi, auth: { token: a3f5c1d2-7b8e-4f90-9c1d-2e3f4a5b6c7d } }
  odoo-config: { adapter: odoo, path: /in/odoo/config, auth: { header: { name: X-API-Key, value: odoo-test-api-key } } }
  odoo-sales: { adapter: odoo, path: /in/odoo/sales, allow_ips: ["127.0.0.1", "10.0.0.0/8"], id: { path: _id } }
  focusnfe: { adapter: focusnfe, path: /in/focusnfe, authorization: focus-test-authorization, authorization_header: Authorization }
  fiscal:
    adapter: hmac
    path: /in/fiscal
    secret: fiscal-test-secret
    header: X-Webhook-Signature
    encoding: hex
    algorithm: sha256
    type: evento
    id: { path: dados.chave_acesso }
  hmac-b64: { adapter: hmac, path: /in/hmac-b64, secret: k, encoding: base64, prefix: "sha1=", algorithm: sha1, id: { header: X-Id } }
  hmac-default: { adapter: hmac, path: /in/hmac, secret: [a, b] }
  billing: { adapter: standard-webhooks, path: /in/billing, secret: whsec_aG9va3JvdXRlci1zdGFuZGFyZC13aDI0, type: type }
  standard: { adapter: standard-webhooks, path: /in/standard, secret: whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX }
  open: { adapter: none, path: /in/open, type: data.kind }
  open-plain: { adapter: none, path: /in/open-plain }
targets:
  t: { url: "http://127.0.0.1:9/t" }
routes:
  # Conditions on body paths, so the demand holds more than each adapter's own fields. One test per
  # route: LeakSanitizer cannot see the case-tagged pointers Swift keeps to all/any/not boxes, and
  # reports this global table's as leaked at exit.
  - { name: big, from: fiscal, when: [{ path: 'data.dados.itens[*].valor', gt: 100 }], to: [t] }
  - { name: skus, from: open, when: [{ path: 'data.items[*].sku', exists: true }], to: [t] }
  - { name: any-x, from: open, when: [{ path: 'data[*].x', ne: 1 }], to: [t] }
  - { name: paid, from: [shopify, billing], when: [{ path: data.financial_status, eq: paid }], to: [t] }
  - { name: first, from: odoo-sales, when: [{ path: 'data.lines[0].qty', gt: 1 }], to: [t] }
"""#

let table: RouteTable = {
    let (table, diagnostics) = ConfigCompiler.compile([ConfigFile(path: "fuzz.yaml", bytes: Array(config.utf8))], catalog: AdapterRegistry.catalog,
                                                      environment: ConfigEnvironment(variables: [:], readFile: { _ in nil }))
    guard let table else { fatalError("fuzz config does not compile:\n\(DiagnosticRenderer.text(diagnostics.sorted))") }
    return table
}()

let fixedNow = Timestamp(seconds: 1_795_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let source = table.sources[Int(bytes[0]) % table.sources.count]
    let flags = bytes[1]
    let now = fixedNow.adding(milliseconds: (Int64(flags >> 2) - 32) * 64_000)

    var headers: [HTTPField] = []
    var bodyStart = 2
    var i = 2
    while i + 1 < size {
        if bytes[i] == 10, bytes[i + 1] == 10 { bodyStart = i + 2; break }
        i += 1
    }
    if bodyStart > 2 {
        let block = UnsafeBufferPointer(rebasing: bytes[2..<(bodyStart - 2)])
        for line in block.split(separator: 10, omittingEmptySubsequences: true) {
            let text = String(decoding: line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { continue }
            var value = text[text.index(after: colon)...]
            while value.first == " " { value = value.dropFirst() }
            headers.append(HTTPField(String(text[..<colon]), String(value)))
        }
    }
    let body = Array(UnsafeBufferPointer(rebasing: bytes[bodyStart...]))
    var request = InboundRequest(path: source.path, pathSuffix: flags & 2 != 0 ? "messages-upsert" : nil, headers: headers, body: body)
    if flags & 1 != 0 { source.adapter.sign(&request, now: now) }

    do throws(AdapterError) {
        let event = try source.adapter.receive(request, source: source.name, now: now)
        check(event.source == source.name, "event from '\(source.name)' says source '\(event.source)'")
        check(!event.type.isEmpty, "accepted event without a type")
        check(!event.id.isEmpty, "accepted event without an id")
        check(event.body == body, "the event's raw body differs from the request's")
        // Logs, explain and CloudEvents render the time: it must render and read back as the same instant.
        for t in [event.time, event.receivedAt] {
            check(Timestamp(rfc3339: t.rfc3339) == t, "time \(t.nanoseconds) ns renders as \(t.rfc3339), which reads back differently")
        }
        for name in source.adapter.credentialHeaders {
            check(event.header(name) == nil, "credential header '\(name)' kept on the event")
        }
        _ = source.missingRequiredPaths(event)
        _ = table.match(event, source: source.index)
    } catch {
        // Refusals are fine; their text goes back to the sender and must exist.
        check(!error.description.isEmpty, "empty refusal")
    }
    // Ingest builds only the body paths the source reads: the verdict and the event must be the same.
    var demanded = request
    demanded.bodyDemand = table.bodyDemand(for: source.index)
    let whole = Result { () throws(AdapterError) in try source.adapter.receive(request, source: source.name, now: now) }
    let pruned = Result { () throws(AdapterError) in try source.adapter.receive(demanded, source: source.name, now: now) }
    switch (whole, pruned) {
    case (.success(let a), .success(let b)):
        check(a.type == b.type && a.id == b.id && a.time == b.time && a.attributes == b.attributes,
              "a demand changed the event of '\(source.name)': \(a.type) \(a.id) vs \(b.type) \(b.id)")
        check(table.match(a, source: source.index) == table.match(b, source: source.index), "a demand changed the match")
        check(source.missingRequiredPaths(a).count == source.missingRequiredPaths(b).count, "a demand changed require")
    case (.failure(let a), .failure(let b)):
        check(a.description == b.description, "a demand changed the refusal: \(a) vs \(b)")
    default:
        check(false, "a demand changed the verdict of '\(source.name)'")
    }
    return 0
}
