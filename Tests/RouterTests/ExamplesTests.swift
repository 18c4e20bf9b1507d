import Adapters
import Rules
import Testing
@testable import Router

/// Every example payload, replayed verbatim with its `.headers` at the clock gen_signatures.py used,
/// against the example routes.d: the test secrets there must be the script's, and no example may be
/// edited without re-signing it.
struct ExamplesTests {
    static let fixedNow = Timestamp(seconds: 1_795_000_000)

    /// Example directory and case → the routes.d source it is posted to.
    static let cases: [(file: String, source: String, type: String)] = [
        ("shopify/orders-paid", "shopify", "orders/paid"),
        ("shopify/orders-paid-new-headers", "shopify", "orders/paid"),
        ("shopify/orders-cancelled", "shopify", "orders/cancelled"),
        ("shopify/refunds-create", "shopify", "refunds/create"),
        ("evolution/messages-upsert", "evolution", "messages.upsert"),
        ("evolution/messages-upsert-upper", "evolution", "messages.upsert"),
        ("evolution/messages-upsert-from-me", "evolution", "messages.upsert"),
        ("evolution/messages-update", "evolution", "messages.update"),
        ("evolution/connection-update", "evolution", "connection.update"),
        ("evolution/legacy-message", "evolution-gateway", "message"),
        ("uazapi/messages", "uazapi", "messages"),
        ("uazapi/messages-update", "uazapi", "messages_update"),
        ("odoo/credentials-sync", "odoo-config", "credentials_sync"),
        ("odoo/mapping-sync", "odoo-config", "mapping_sync"),
        ("odoo/sale-order", "odoo-sales", "sale.order"),
        ("focusnfe/nfe-autorizado", "focusnfe", "nfe.autorizado"),
        ("focusnfe/nfe-cancelado", "focusnfe", "nfe.cancelado"),
        ("focusnfe/nfe-erro-autorizacao", "focusnfe", "nfe.erro_autorizacao"),
        ("focusnfe/nfse-autorizado", "focusnfe", "nfse.autorizado"),
        ("focusnfe/cte-autorizado", "focusnfe", "cte.autorizado"),
        ("fiscal/nfe-importada", "fiscal", "nfe_importada"),
        ("fiscal/cte-importado", "fiscal", "cte_importado"),
        ("fiscal/erro-importacao", "fiscal", "erro_importacao"),
        ("standard-webhooks/invoice-paid", "billing", "invoice.paid"),
    ]

    static func table() throws -> RouteTable {
        let (table, diagnostics) = try ConfigLoading.compile(directory: packageRoot + "/routes.d")
        return try #require(table, "\(diagnostics.sorted)")
    }

    static func request(_ file: String, source: Source) throws -> InboundRequest {
        let body = try #require(FileSystem.read("\(packageRoot)/examples/\(file).json"))
        let headers = try HeaderLines.parse(file: try #require(FileSystem.read("\(packageRoot)/examples/\(file).headers")))
        return InboundRequest(path: source.path, headers: headers, body: body)
    }

    @Test(arguments: cases)
    func exampleVerifiesVerbatim(_ example: (file: String, source: String, type: String)) throws {
        let table = try Self.table()
        let source = table.sources[try #require(table.sourceIndex(named: example.source))]
        let request = try Self.request(example.file, source: source)
        let event = try source.adapter.receive(request, source: source.name, now: Self.fixedNow)
        #expect(event.type == example.type)
        // Where the credential signs the body, one byte more must break it (the others send a static
        // secret that does not cover the body: Evolution's header and JWT, Uazapi, Odoo, Focus NFe).
        if ["shopify", "evolution-gateway", "fiscal", "billing"].contains(example.source) {
            var tampered = request
            tampered.body.insert(0x20, at: tampered.body.count - 1)
            let accepted = (try? source.adapter.receive(tampered, source: source.name, now: Self.fixedNow)) != nil
            #expect(!accepted, "\(example.file): a tampered body was accepted")
        }
    }

    /// Ingest builds only the body paths the source reads; every example must come out exactly as with
    /// the whole body: same type, id, time, attributes, matches (and the same refusal for the
    /// credentials_sync without its password). A path an adapter reads but does not declare fails here.
    @Test(arguments: cases.map(\.file) + ["odoo/credentials-sync-missing-field"])
    func onlyTheDemandedBodyGivesTheSameOutcome(_ file: String) throws {
        let table = try Self.table()
        let name = Self.cases.first { $0.file == file }?.source ?? "odoo-config"
        let source = table.sources[try #require(table.sourceIndex(named: name))]
        let request = try Self.request(file, source: source)
        let pruned = Reception.receive(request, at: source, in: table, now: Self.fixedNow)
        let whole = Reception.receive(request, at: source, in: table, now: Self.fixedNow, wholeBody: true)
        switch (pruned, whole) {
        case (.success(let a), .success(let b)):
            #expect(a.event.type == b.event.type && a.event.id == b.event.id && a.event.time == b.event.time)
            #expect(a.event.attributes == b.event.attributes && a.event.headers == b.event.headers)
            #expect(a.matches == b.matches)
            #expect(a.event.body == b.event.body, "the stored body is the bytes received either way")
        case (.failure(let a), .failure(let b)):
            #expect(a == b)
        default:
            Issue.record("\(file): \(pruned) with a demand, \(whole) with the whole body")
        }
        if table.bodyDemand(for: source.index) == nil { Issue.record("\(file): \(name) builds the whole body") }
    }

    @Test func missingPasswordIs422() throws {
        let table = try Self.table()
        let source = table.sources[try #require(table.sourceIndex(named: "odoo-config"))]
        let request = try Self.request("odoo/credentials-sync-missing-field", source: source)
        guard case .failure(let rejection) = Reception.receive(request, at: source, in: table, now: Self.fixedNow) else {
            Issue.record("accepted a credentials_sync without odoo_password")
            return
        }
        #expect(rejection == .missingPaths(["data.odoo_password"]))
        #expect(rejection.status == 422)
    }

    @Test func explainNeverShowsSecretsOrRedactedValues() throws {
        let table = try Self.table()
        for (file, name, secrets) in [
            ("odoo/credentials-sync", "odoo-config", ["senha-de-teste-Odoo17!", "odoo-test-api-key"]),
            ("evolution/messages-upsert", "evolution", ["B6D711FC-DE4D-4FD5-9365-44120E713976", "evo-header-test-secret", "eyJhbGciOiJIUzI1NiIs"]),
            ("uazapi/messages", "uazapi", ["a3f5c1d2-7b8e-4f90-9c1d-2e3f4a5b6c7d"]),
            ("focusnfe/nfe-autorizado", "focusnfe", ["focus-test-authorization"]),
        ] {
            let source = table.sources[try #require(table.sourceIndex(named: name))]
            let e = Explanation(table: table, source: source, request: try Self.request(file, source: source), headerOrigin: "", now: Self.fixedNow)
            #expect(e.rejection == nil, "\(file): \(e.text)")
            #expect(e.text.contains("match  "), "\(file) should match a route")
            for secret in secrets { #expect(!e.text.contains(secret), "\(file) shows \(secret)") }
        }
    }

    @Test func explainNamesTheFailedConditionAndTheSignature() throws {
        let table = try Self.table()
        let source = table.sources[try #require(table.sourceIndex(named: "evolution"))]
        let e = Explanation(table: table, source: source, request: try Self.request("evolution/messages-upsert-from-me", source: source),
                            headerOrigin: "", now: Self.fixedNow)
        #expect(e.text.contains("no     inbound-evolution-messages: condition failed: attributes.from_me"), "\(e.text)")
        #expect(e.text.contains("result:  accepted as 'messages.upsert'") && e.text.contains("no delivery (unrouted)"))

        let shopify = table.sources[try #require(table.sourceIndex(named: "shopify"))]
        let paid = Explanation(table: table, source: shopify, request: try Self.request("shopify/orders-paid", source: shopify), headerOrigin: "", now: Self.fixedNow)
        #expect(paid.text.contains("match  paid-orders-to-inventory -> inventory"))
        #expect(paid.text.contains("webhook-signature: v1,"))
        #expect(paid.text.contains("webhook-timestamp: 1795000000"))
    }
}

struct HeaderLinesTests {
    @Test func parsesFilesAndRejectsGarbage() throws {
        let fields = try HeaderLines.parse(file: Array("A: 1\r\n# note\n\nX-Key:  two words \n".utf8))
        #expect(fields == [HTTPField("A", "1"), HTTPField("X-Key", "two words")])
        #expect(throws: HeaderLines.Malformed.self) { try HeaderLines.parse("no colon") }
        #expect(throws: HeaderLines.Malformed.self) { try HeaderLines.parse("bad name: x") }
    }
}
