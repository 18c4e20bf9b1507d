import Testing
@testable import Rules

/// Each class of mistake gives its diagnostic with the exact file:line:column (SPEC §2.1).
struct DiagnosticsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let yaml: String
        let expected: String
        var testDescription: String { name }
    }

    static let errorCases: [Case] = [
        Case(name: "unknown target with suggestion", yaml: baseConfig + """
            routes:
              - name: paid-orders
                from: shop
                events: [orders/paid]
                to: [invetory]
            """,
             expected: "routes.d/a.yaml:21:10: error: route 'paid-orders' sends to unknown target 'invetory' (did you mean 'inventory'?)"),
        Case(name: "unknown source", yaml: baseConfig + """
            routes:
              - name: r
                from: shopp
                to: [inventory]
            """,
             expected: "routes.d/a.yaml:19:11: error: route 'r' takes events from unknown source 'shopp' (did you mean 'shop'?)"),
        Case(name: "a dedup window of zero", yaml: "settings:\n  dedup_window: 0s\n",
             expected: "routes.d/a.yaml:2:17: error: 'dedup_window' must be above zero: with none, every provider retry would be stored and delivered again"),
        Case(name: "a dedup window that is no duration", yaml: "settings:\n  dedup_window: two days\n",
             expected: "routes.d/a.yaml:2:17: error: 'dedup_window' of settings must be a duration like 250ms, 10s, 5m, 1h or 1d, found 'two days'"),
        Case(name: "unknown top-level key", yaml: "source:\n  x: {}\n",
             expected: "routes.d/a.yaml:1:1: error: unknown key 'source' in the top level of routes.d/a.yaml (did you mean 'sources'?)"),
        Case(name: "unknown target key", yaml: "targets:\n  t:\n    url: https://x.example.com\n    timout: 5s\n",
             expected: "routes.d/a.yaml:4:5: error: unknown key 'timout' in target 't' (did you mean 'timeout'?)"),
        Case(name: "unknown adapter", yaml: "sources:\n  s:\n    adapter: shopfy\n    path: /in/s\n",
             expected: "routes.d/a.yaml:3:14: error: source 's' uses unknown adapter 'shopfy' (did you mean 'shopify'?); adapters are hmac, none, shopify"),
        Case(name: "bad duration", yaml: "targets:\n  t:\n    url: https://x.example.com\n    timeout: 10 seconds\n",
             expected: "routes.d/a.yaml:4:14: error: 'timeout' of target 't' must be a duration like 250ms, 10s, 5m, 1h or 1d, found '10 seconds'"),
        Case(name: "bad rate", yaml: "sources:\n  s:\n    adapter: none\n    path: /in/s\n    rate_limit: 60 per minute\n",
             expected: "routes.d/a.yaml:5:17: error: 'rate_limit' of source 's' must be a rate like 60/min or 10/s, found '60 per minute'"),
        Case(name: "unset variable", yaml: "sources:\n  s:\n    adapter: shopify\n    path: /in/s\n    secret: ${SHOPIFY_SECRET}\n",
             expected: "routes.d/a.yaml:5:13: error: environment variable SHOPIFY_SECRET is not set; set it or give a default with ${SHOPIFY_SECRET:-value}"),
        Case(name: "bad regex", yaml: baseConfig + """
            routes:
              - name: r
                from: shop
                when: [{ path: data.email, matches: "([a-z" }]
                to: [inventory]
            """,
             expected: "routes.d/a.yaml:20:41: error: invalid regular expression"),
        Case(name: "bad path root", yaml: baseConfig + """
            routes:
              - name: r
                from: shop
                when: [{ path: date.total, eq: 1 }]
                to: [inventory]
            """,
             expected: "routes.d/a.yaml:20:20: error: path 'date.total' does not start with a part of the event (did you mean 'data'?)"),
        Case(name: "operator typo", yaml: baseConfig + """
            routes:
              - name: r
                from: shop
                when: [{ path: data.total, eqq: 1 }]
                to: [inventory]
            """,
             expected: "routes.d/a.yaml:20:32: error: unknown key 'eqq' in a condition of route 'r' (did you mean 'eq'?)"),
        Case(name: "bad template path", yaml: baseConfig + """
            routes:
              - name: r
                from: shop
                to: [inventory]
                body: template
                template: { evento: "${{ tipe }}" }
            """,
             expected: "routes.d/a.yaml:22:25: error: template: path 'tipe' does not start with a part of the event (did you mean 'type'?)"),
        Case(name: "template without body template", yaml: baseConfig + """
            routes:
              - name: r
                from: shop
                to: [inventory]
                body: template
            """,
             expected: "routes.d/a.yaml:21:5: error: route 'r' has 'body: template' but no 'template:'; add the body to send"),
        Case(name: "YAML syntax error", yaml: "sources:\n  s: [unclosed\n",
             expected: "routes.d/a.yaml:3:1: error: YAML syntax error"),
        Case(name: "duplicate key in a mapping", yaml: "targets:\n  t:\n    url: https://a.example.com\n    url: https://b.example.com\n",
             expected: "routes.d/a.yaml:4:5: error: key 'url' appears twice in this mapping (first at routes.d/a.yaml:3:5); keep one"),
        Case(name: "missing secret file", yaml: "sources:\n  s:\n    adapter: shopify\n    path: /in/s\n    secret: { file: /run/secrets/nope }\n",
             expected: "routes.d/a.yaml:5:13: error: cannot read the secret file '/run/secrets/nope' for 'secret' of source 's'; check that it exists and is readable"),
        Case(name: "two operators in one condition", yaml: baseConfig + """
            routes:
              - name: r
                from: shop
                when: [{ path: data.total, gt: 1, lt: 5 }]
                to: [inventory]
            """,
             expected: "routes.d/a.yaml:20:39: error: the condition on 'data.total' in route 'r' has 2 operators; write one condition per operator"),
        Case(name: "store key of wrong size", yaml: "settings:\n  store_key: tooshort\n",
             expected: "routes.d/a.yaml:2:14: error: 'store_key' must be exactly 32 bytes (AES-256), it has 8"),
        Case(name: "no room for any body", yaml: "settings:\n  http: { max_buffered_bodies: 0 }\n",
             expected: "routes.d/a.yaml:2:32: error: 'max_buffered_bodies' of settings.http must be above zero"),
    ]

    @Test(arguments: errorCases)
    func reportsErrorAtItsPlace(_ c: Case) {
        let (table, diagnostics) = compile(["a.yaml": c.yaml])
        #expect(table == nil)
        let lines = rendered(diagnostics)
        #expect(lines.contains { $0.hasPrefix(c.expected) }, "got: \(lines)")
    }

    static let warningCases: [Case] = [
        Case(name: "adapter none", yaml: "sources:\n  odoo:\n    adapter: none\n    path: /in/odoo\n",
             expected: "routes.d/a.yaml:3:14: warning: source 'odoo' has no authentication (adapter 'none'); anyone can post to /in/odoo"),
        Case(name: "unknown event type with suggestion", yaml: baseConfig + """
            routes:
              - name: refunds
                from: shop
                events: [orders/refunded]
                to: [inventory]
            """,
             expected: "routes.d/a.yaml:20:14: warning: route 'refunds' can never match: adapter 'shopify' never produces event type 'orders/refunded' (did you mean 'refunds/create'?)"),
        Case(name: "shadowed by final", yaml: baseConfig + """
            routes:
              - name: everything
                from: shop
                to: [slack]
                final: true
              - name: paid
                from: shop
                events: [orders/paid]
                to: [inventory]
            """,
             expected: "routes.d/a.yaml:22:11: warning: route 'paid' can never match: final route 'everything' at routes.d/a.yaml:18:11 takes every event it would; move it above or drop 'final'"),
        Case(name: "plain http to a remote host", yaml: "targets:\n  t:\n    url: http://erp.example.com/hook\n",
             expected: "routes.d/a.yaml:3:10: warning: target 't' sends to 'erp.example.com' over plain http://"),
    ]

    @Test(arguments: warningCases)
    func warnsAtItsPlace(_ c: Case) {
        let (table, diagnostics) = compile(["a.yaml": c.yaml])
        #expect(table != nil, "warnings alone must not fail: \(rendered(diagnostics))")
        #expect(!diagnostics.hasErrors)
        let lines = rendered(diagnostics)
        #expect(lines.contains { $0.hasPrefix(c.expected) }, "got: \(lines)")
    }

    @Test func duplicateNamesAcrossFilesShowBothPlaces() {
        let (table, diagnostics) = compile([
            "a.yaml": "targets:\n  erp:\n    url: https://a.example.com\n",
            "b.yaml": "targets:\n  erp:\n    url: https://b.example.com\n",
        ])
        #expect(table == nil)
        #expect(rendered(diagnostics) == [
            "routes.d/b.yaml:2:3: error: target 'erp' is declared twice: here and at routes.d/a.yaml:2:3; names of targets are global across files, rename one",
        ])
    }

    @Test func allErrorsAreCollectedBeforeFailing() {
        let (_, diagnostics) = compile(["a.yaml": baseConfig + """
            routes:
              - name: r1
                from: nope
                to: [inventory]
              - name: r2
                from: shop
                to: [nada]
            """])
        #expect(diagnostics.errors.count == 2)
    }

    @Test func jsonRenderingHasTheSpecFields() throws {
        let (_, diagnostics) = compile(["a.yaml": "targets:\n  t:\n    url: https://x.example.com\n    timout: 5s\n"])
        let json = try JSONValue.parse(DiagnosticRenderer.json(diagnostics.sorted))
        let first = try #require(json[0])
        #expect(first["file"] == .string("routes.d/a.yaml"))
        #expect(first["line"] == .number(JSONNumber(4)))
        #expect(first["column"] == .number(JSONNumber(5)))
        #expect(first["severity"] == .string("error"))
        #expect(first["message"]?.stringValue?.contains("did you mean 'timeout'") == true)
    }

    @Test func suggestionDistance() {
        #expect(Suggestion.closest(to: "invetory", in: ["inventory", "slack"]) == "inventory")
        #expect(Suggestion.closest(to: "tiemout", in: ["timeout", "url"]) == "timeout")
        #expect(Suggestion.closest(to: "zzz", in: ["inventory", "slack"]) == nil)
    }
}
