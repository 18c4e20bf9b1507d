import Testing
@testable import Adapters
@testable import Rules

/// Builds one source's adapter from YAML with the real catalog.
func makeAdapter(_ yaml: String) throws -> (any WebhookAdapter, Diagnostics) {
    let (table, diagnostics) = ConfigCompiler.compile([ConfigFile(path: "t.yaml", bytes: Array(yaml.utf8))], catalog: AdapterRegistry.catalog,
                                                      environment: ConfigEnvironment(variables: [:], readFile: { _ in nil }))
    let t = try #require(table, "\(diagnostics.sorted)")
    return (t.sources[0].adapter, diagnostics)
}

let now = Timestamp(seconds: 1_795_000_000)

func request(_ body: String, _ headers: [(String, String)] = [], suffix: String? = nil) -> InboundRequest {
    InboundRequest(path: "/in/x", pathSuffix: suffix, headers: headers.map { HTTPField($0.0, $0.1) }, body: Array(body.utf8))
}

func isUnauthorized(_ adapter: any WebhookAdapter, _ r: InboundRequest, at time: Timestamp = now) -> Bool {
    do {
        _ = try adapter.receive(r, source: "s", now: time)
        return false
    } catch {
        if case .unauthorized = error { return true }
        return false
    }
}

struct ShopifyAdapterTests {
    let body = #"{"id":820982911946154508,"admin_graphql_api_id":"gid:\/\/shopify\/Order\/820982911946154508","financial_status":"paid"}"#
    let config = "sources:\n  s:\n    adapter: shopify\n    path: /in/s\n    secret: [new-secret, old-secret]\n"

    func headers(_ secret: String, body: String, hex: Bool = false, prefix: String = "X-Shopify-") -> [(String, String)] {
        let mac = Digest.hmac(.sha256, key: Array(secret.utf8), message: Array(body.utf8))
        return [("\(prefix)Hmac-Sha256", hex ? Hex.encode(mac) : Base64.encode(mac)), ("\(prefix)Topic", "orders/paid"),
                ("\(prefix)Shop-Domain", "loja.myshopify.com"), ("\(prefix)Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
                ("\(prefix)Event-Id", "evt-1"), ("\(prefix)API-Version", "2025-07"), ("\(prefix)Triggered-At", "2026-11-22T10:30:00.123456789Z")]
    }

    @Test func acceptsAndNormalises() throws {
        let (a, _) = try makeAdapter(config)
        let e = try a.receive(request(body, headers("new-secret", body: body)), source: "s", now: now)
        #expect(e.type == "orders/paid")
        #expect(e.id == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
        #expect(e.time.rfc3339 == "2026-11-22T10:30:00.123456789Z")
        #expect(e.attributes["shop_domain"] == "loja.myshopify.com")
        #expect(e.attributes["api_version"] == "2025-07")
        #expect(e.data["id"]?.numberValue?.text == "820982911946154508")
        #expect(e.header("x-shopify-hmac-sha256") == nil, "signature header must not be kept")
    }

    @Test func acceptsRotatedSecretAndNewHeaderSpelling() throws {
        let (a, _) = try makeAdapter(config)
        #expect(throws: Never.self) { try a.receive(request(body, headers("old-secret", body: body)), source: "s", now: now) }
        #expect(throws: Never.self) { try a.receive(request(body, headers("new-secret", body: body, prefix: "shopify-")), source: "s", now: now) }
    }

    @Test func rejects() throws {
        let (a, _) = try makeAdapter(config)
        #expect(isUnauthorized(a, request(body, headers("wrong", body: body))))
        #expect(isUnauthorized(a, request(body, headers("new-secret", body: body, hex: true))), "hex digest must be rejected")
        #expect(isUnauthorized(a, request(body + " ", headers("new-secret", body: body))), "tampered body")
        let reserialised = #"{"id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508", "financial_status": "paid"}"#
        #expect(isUnauthorized(a, request(reserialised, headers("new-secret", body: body))), "same JSON, other bytes")
        #expect(isUnauthorized(a, request(body, headers("new-secret", body: body).filter { !$0.0.hasSuffix("Hmac-Sha256") })))
        var evil = headers("new-secret", body: body)
        evil[2] = ("X-Shopify-Shop-Domain", "loja.evil.com")
        #expect(isUnauthorized(a, request(body, evil)), "shop outside allow_shops")
    }

    @Test func signProducesWhatVerifies() throws {
        let (a, _) = try makeAdapter(config)
        var r = request(body, [("X-Shopify-Topic", "orders/paid")])
        a.sign(&r, now: now)
        #expect(try a.receive(r, source: "s", now: now).type == "orders/paid")
    }
}

struct OtherAdapterTests {
    @Test func hmacFiscalFormat() throws {
        let (a, _) = try makeAdapter("sources:\n  s:\n    adapter: hmac\n    path: /in/s\n    secret: fiscal\n    id: { path: dados.chave_acesso }\n")
        let body = #"{"evento":"nfe_importada","timestamp":"2026-11-22T10:30:00Z","dados":{"chave_acesso":"35261112345678000195550010000012341000012345"}}"#
        let sig = Hex.encode(Digest.hmac(.sha256, key: Array("fiscal".utf8), message: Array(body.utf8)))
        let e = try a.receive(request(body, [("X-Webhook-Signature", sig)]), source: "s", now: now)
        #expect(e.type == "nfe_importada")
        #expect(e.id == "35261112345678000195550010000012341000012345")
        #expect(e.time.rfc3339 == "2026-11-22T10:30:00Z")
        #expect(isUnauthorized(a, request(body, [("X-Webhook-Signature", String(sig.reversed()))])))
    }

    @Test func standardWebhooksToleranceAndMultipleSignatures() throws {
        let key: [UInt8] = Array(0..<24)
        let (a, _) = try makeAdapter("sources:\n  s:\n    adapter: standard-webhooks\n    path: /in/s\n    secret: whsec_\(Base64.encode(key))\n")
        let body = #"{"type":"invoice.paid","data":{"id":"in_1"}}"#
        let ts = String(now.seconds)
        let mac = Base64.encode(Digest.hmac(.sha256, key: key, message: Array("msg_1.\(ts).\(body)".utf8)))
        let headers = [("webhook-id", "msg_1"), ("webhook-timestamp", ts), ("webhook-signature", "v1,bm90IGl0 v1,\(mac)")]
        let e = try a.receive(request(body, headers), source: "s", now: now)
        #expect(e.type == "invoice.paid")
        #expect(e.id == "msg_1")
        #expect(isUnauthorized(a, request(body, headers), at: now.adding(milliseconds: 301_000)), "outside ±5 min")
    }

    @Test func evolutionHeaderJWTAndTypes() throws {
        let (a, _) = try makeAdapter("sources:\n  s:\n    adapter: evolution\n    path: /in/s\n    auth:\n      header: { name: X-Webhook-Secret, value: evo }\n      jwt_key: jwtkey\n")
        let body = #"{"event":"MESSAGES_UPSERT","instance":"loja","data":{"key":{"remoteJid":"123@lid","remoteJidAlt":"5511999999999@s.whatsapp.net","fromMe":false,"id":"3EB0ABC"},"messageTimestamp":1795000000},"date_time":"2026-11-18T08:06:40.000Z","apikey":"live-key"}"#
        var r = request(body, [("X-Webhook-Secret", "evo")])
        a.sign(&r, now: now)
        let e = try a.receive(r, source: "s", now: now)
        #expect(e.type == "messages.upsert")
        #expect(e.id == "loja:messages.upsert:3EB0ABC")
        #expect(e.attributes["from_me"] == .bool(false))
        #expect(e.time.rfc3339 == "2026-11-18T11:06:40Z")
        #expect(e.header("authorization") == nil && e.header("x-webhook-secret") == nil)
        #expect(a.credentialFields.contains(FieldPath(segments: [.key("apikey")])))
        #expect(isUnauthorized(a, r, at: now.adding(milliseconds: 700_000)), "expired JWT")
        #expect(EvolutionAdapter.type(nil, suffix: "messages-upsert") == "messages.upsert")
        #expect(EvolutionAdapter.type("GROUP_PARTICIPANTS_UPDATE", suffix: nil) == "group-participants.update")
        #expect(EvolutionAdapter.type("message", suffix: nil) == "message")
    }

    @Test func evolutionWithoutAuthIsAConfigError() {
        let (table, diagnostics) = ConfigCompiler.compile([ConfigFile(path: "t.yaml", bytes: Array("sources:\n  s:\n    adapter: evolution\n    path: /in/s\n".utf8))],
                                                          catalog: AdapterRegistry.catalog, environment: ConfigEnvironment(variables: [:], readFile: { _ in nil }))
        #expect(table == nil)
        #expect(diagnostics.sorted.map(\.description) == ["t.yaml:3:5: error: source 's' needs 'auth' with at least one of header, jwt_key, apikey, signature"])
    }

    @Test func uazapiBodyToken() throws {
        let (a, _) = try makeAdapter("sources:\n  s:\n    adapter: uazapi\n    path: /in/s\n    auth: { token: tok }\n")
        let body = #"{"BaseUrl":"https://x.uazapi.com","EventType":"messages","instanceName":"loja","message":{"id":"5511:ABC","fromMe":false,"messageTimestamp":1795000000123},"token":"tok"}"#
        let e = try a.receive(request(body), source: "s", now: now)
        #expect(e.type == "messages")
        #expect(e.id == "messages:5511:ABC")
        #expect(e.time.rfc3339 == "2026-11-18T11:06:40.123Z")
        #expect(isUnauthorized(a, request(body.replacingOccurrences("\"tok\"", "\"bad\""))))
    }

    @Test func odooTypesAndActionID() throws {
        let (a, _) = try makeAdapter("sources:\n  s:\n    adapter: odoo\n    path: /in/s\n    allow_ips: [10.0.0.0/8]\n")
        let e = try a.receive(request(#"{"_action": "Notify BI(#412)", "_id": 87, "_model": "sale.order", "name": "Cota\u00e7\u00e3o"}"#), source: "s", now: now)
        #expect(e.type == "sale.order")
        #expect(e.attributes["action_id"] == .number(JSONNumber(412)))
        #expect(e.data["name"] == "Cotação")
        let keyed = try makeAdapter("sources:\n  s:\n    adapter: odoo\n    path: /in/s\n    auth: { header: { name: X-API-Key, value: k } }\n").0
        #expect(try keyed.receive(request(#"{"event_type":"credentials_sync","account_id":1}"#, [("X-API-Key", "k")]), source: "s", now: now).type == "credentials_sync")
        #expect(isUnauthorized(keyed, request(#"{"event_type":"credentials_sync"}"#, [("X-API-Key", "nope")])))
    }

    @Test func focusNFeDocumentInferenceAndDedup() throws {
        let (a, _) = try makeAdapter("sources:\n  s:\n    adapter: focusnfe\n    path: /in/s\n    authorization: fa\n")
        let body = #"{"cnpj_emitente":"12345678000195","ref":"pedido-1","status":"autorizado","chave_nfe":"NFe3526"}"#
        let e = try a.receive(request(body, [("Authorization", "fa")]), source: "s", now: now)
        #expect(e.type == "nfe.autorizado")
        #expect(e.id == "nfe:12345678000195:pedido-1:autorizado")
        let cancelled = try a.receive(request(body.replacingOccurrences("\"autorizado\"", "\"cancelado\""), [("Authorization", "fa")]), source: "s", now: now)
        #expect(cancelled.id != e.id, "a status change is a new event")
        let nfse = try a.receive(request(#"{"cnpj_prestador":"1","numero_rps":"9","ref":"r","status":"autorizado"}"#, [("Authorization", "fa")]), source: "s", now: now)
        #expect(nfse.type == "nfse.autorizado")
        #expect(isUnauthorized(a, request(body, [("Authorization", "Bearer fa")])), "the value is verbatim, no prefix")
    }

    @Test func unknownShopifyTopicSuggestsRefunds() {
        let yaml = "sources:\n  s:\n    adapter: shopify\n    path: /in/s\n    secret: x\ntargets:\n  t:\n    url: https://t.example.com\nroutes:\n  - { name: r, from: s, events: [orders/refunded], to: [t] }\n"
        let (_, diagnostics) = ConfigCompiler.compile([ConfigFile(path: "t.yaml", bytes: Array(yaml.utf8))], catalog: AdapterRegistry.catalog,
                                                      environment: ConfigEnvironment(variables: [:], readFile: { _ in nil }))
        #expect(diagnostics.warnings.map(\.message) == ["route 'r' can never match: adapter 'shopify' never produces event type 'orders/refunded' (did you mean 'refunds/create'?)"])
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: a) { out += rest[..<r.lowerBound] + b; rest = rest[r.upperBound...] }
        return out + rest
    }
}
