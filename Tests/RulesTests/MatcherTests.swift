import Testing
@testable import Rules

/// Matching: exact types, globs, `final`, every operator, `[*]`, missing paths, exact big integers.
struct MatcherTests {
    /// Compiles `routes` on top of `baseConfig` and returns the names of the targets the event reaches.
    func targets(_ routes: String, _ event: Event, source: String = "shop") throws -> [String] {
        let (table, diagnostics) = compile(["a.yaml": baseConfig + routes])
        let t = try #require(table, "config failed: \(rendered(diagnostics))")
        let s = try #require(t.sourceIndex(named: source))
        return t.match(event, source: s).map { t.targets[$0.target].name }
    }

    @Test func exactTypeAndGlob() throws {
        let routes = """
            routes:
              - { name: paid, from: shop, events: [orders/paid], to: [inventory] }
              - { name: orders, from: shop, events: ["orders/*"], to: [slack] }
              - { name: all, from: shop, to: [erp] }
            """
        #expect(try targets(routes, event(type: "orders/paid", data: "{}")) == ["inventory", "slack", "erp"])
        #expect(try targets(routes, event(type: "orders/cancelled", data: "{}")) == ["slack", "erp"])
        #expect(try targets(routes, event(type: "refunds/create", data: "{}")) == ["erp"])
    }

    @Test func routesOfOtherSourcesDoNotMatch() throws {
        let routes = "routes:\n  - { name: f, from: fiscal, to: [erp] }\n"
        #expect(try targets(routes, event(type: "orders/paid", data: "{}")) == [])
        #expect(try targets(routes, event(type: "nfe_importada", source: "fiscal", data: "{}"), source: "fiscal") == ["erp"])
    }

    @Test func finalStopsLaterRoutes() throws {
        let routes = """
            routes:
              - { name: first, from: shop, events: ["orders/*"], to: [slack], final: true }
              - { name: second, from: shop, events: [orders/paid], to: [inventory] }
              - { name: refunds, from: shop, events: [refunds/create], to: [erp] }
            """
        #expect(try targets(routes, event(type: "orders/paid", data: "{}")) == ["slack"])
        #expect(try targets(routes, event(type: "refunds/create", data: "{}")) == ["erp"])
    }

    @Test func finalWithUnmetConditionDoesNotStop() throws {
        let routes = """
            routes:
              - { name: first, from: shop, when: [{ path: data.vip, eq: true }], to: [slack], final: true }
              - { name: second, from: shop, to: [inventory] }
            """
        #expect(try targets(routes, event(type: "orders/paid", data: #"{"vip":false}"#)) == ["inventory"])
        #expect(try targets(routes, event(type: "orders/paid", data: #"{"vip":true}"#)) == ["slack"])
    }

    @Test func oneDeliveryPerRouteTargetPair() throws {
        let routes = """
            routes:
              - { name: a, from: shop, to: [inventory, erp] }
              - { name: b, from: shop, to: [inventory] }
            """
        #expect(try targets(routes, event(type: "orders/paid", data: "{}")) == ["inventory", "erp", "inventory"])
    }

    struct OperatorCase: CustomTestStringConvertible, Sendable {
        let condition: String
        let data: String
        let holds: Bool
        var testDescription: String { "\(condition) on \(data) → \(holds)" }
    }

    static let operatorCases: [OperatorCase] = [
        .init(condition: "{ path: data.financial_status, eq: paid }", data: #"{"financial_status":"paid"}"#, holds: true),
        .init(condition: "{ path: data.financial_status, eq: paid }", data: #"{"financial_status":"pending"}"#, holds: false),
        .init(condition: "{ path: data.financial_status, eq: paid }", data: "{}", holds: false),
        .init(condition: "{ path: data.financial_status, ne: paid }", data: #"{"financial_status":"pending"}"#, holds: true),
        .init(condition: "{ path: data.financial_status, ne: paid }", data: "{}", holds: true),
        .init(condition: "{ path: data.status, in: [autorizado, cancelado] }", data: #"{"status":"cancelado"}"#, holds: true),
        .init(condition: "{ path: data.status, in: [autorizado, cancelado] }", data: #"{"status":"erro"}"#, holds: false),
        .init(condition: "{ path: data.status, not_in: [autorizado] }", data: #"{"status":"erro"}"#, holds: true),
        .init(condition: "{ path: data.status, not_in: [autorizado] }", data: #"{"status":"autorizado"}"#, holds: false),
        .init(condition: "{ path: data.total_price, gt: 100 }", data: #"{"total_price":"229.60"}"#, holds: true),
        .init(condition: "{ path: data.total_price, gt: 229.6 }", data: #"{"total_price":"229.60"}"#, holds: false),
        .init(condition: "{ path: data.total_price, gte: 229.6 }", data: #"{"total_price":"229.60"}"#, holds: true),
        .init(condition: "{ path: data.n, lt: 10 }", data: #"{"n":9.99}"#, holds: true),
        .init(condition: "{ path: data.n, lte: 1e1 }", data: #"{"n":10}"#, holds: true),
        .init(condition: "{ path: data.n, lt: 10 }", data: #"{"n":"ten"}"#, holds: false),
        .init(condition: "{ path: data.id, eq: 820982911946154508 }", data: #"{"id":820982911946154508}"#, holds: true),
        .init(condition: "{ path: data.id, eq: 820982911946154508 }", data: #"{"id":820982911946154509}"#, holds: false),
        .init(condition: "{ path: data.id, gt: 820982911946154508 }", data: #"{"id":820982911946154509}"#, holds: true),
        .init(condition: "{ path: data.email, exists: true }", data: #"{"email":"a@b.c"}"#, holds: true),
        .init(condition: "{ path: data.email, exists: true }", data: "{}", holds: false),
        .init(condition: "{ path: data.email, exists: false }", data: "{}", holds: true),
        .init(condition: "{ path: data.email, matches: '@example\\.com$' }", data: #"{"email":"ana@example.com"}"#, holds: true),
        .init(condition: "{ path: data.email, matches: '@example\\.com$' }", data: #"{"email":"ana@example.org"}"#, holds: false),
        .init(condition: "{ path: data.tags, contains: vip }", data: #"{"tags":"new, vip"}"#, holds: true),
        .init(condition: "{ path: data.tags, contains: vip }", data: #"{"tags":["new","vip"]}"#, holds: true),
        .init(condition: "{ path: data.tags, contains: vip }", data: #"{"tags":["new"]}"#, holds: false),
        .init(condition: "{ path: 'data.line_items[*].sku', exists: true }", data: #"{"line_items":[{"sku":null},{"sku":"A1"}]}"#, holds: true),
        .init(condition: "{ path: 'data.line_items[*].sku', exists: true }", data: #"{"line_items":[{"title":"x"}]}"#, holds: false),
        .init(condition: "{ path: 'data.line_items[*].sku', eq: A1 }", data: #"{"line_items":[{"sku":"B2"},{"sku":"A1"}]}"#, holds: true),
        .init(condition: "{ path: 'data.line_items[*].sku', eq: A1 }", data: #"{"line_items":[]}"#, holds: false),
        .init(condition: "{ path: 'data.line_items[0].sku', eq: A1 }", data: #"{"line_items":[{"sku":"B2"},{"sku":"A1"}]}"#, holds: false),
        .init(condition: "{ path: 'data.line_items[1].sku', eq: A1 }", data: #"{"line_items":[{"sku":"B2"},{"sku":"A1"}]}"#, holds: true),
        .init(condition: "{ path: data.a.b.c, eq: 1 }", data: #"{"a":"not an object"}"#, holds: false),
        .init(condition: "{ path: data.fromMe, eq: false }", data: #"{"fromMe":false}"#, holds: true),
        .init(condition: "{ path: data.x, eq: null }", data: #"{"x":null}"#, holds: true),
        .init(condition: "{ path: data.qty, eq: '5' }", data: #"{"qty":5}"#, holds: true),
        .init(condition: "{ path: type, eq: orders/paid }", data: "{}", holds: true),
        .init(condition: "{ path: source, eq: shop }", data: "{}", holds: true),
        .init(condition: "{ any: [{ path: data.a, eq: 1 }, { path: data.b, eq: 2 }] }", data: #"{"b":2}"#, holds: true),
        .init(condition: "{ any: [{ path: data.a, eq: 1 }, { path: data.b, eq: 2 }] }", data: #"{"b":3}"#, holds: false),
        .init(condition: "{ all: [{ path: data.a, eq: 1 }, { path: data.b, eq: 2 }] }", data: #"{"a":1,"b":2}"#, holds: true),
        .init(condition: "{ all: [{ path: data.a, eq: 1 }, { path: data.b, eq: 2 }] }", data: #"{"a":1,"b":3}"#, holds: false),
        .init(condition: "{ not: { path: data.test, eq: true } }", data: #"{"test":true}"#, holds: false),
        .init(condition: "{ not: { path: data.test, eq: true } }", data: #"{}"#, holds: true),
    ]

    @Test(arguments: operatorCases)
    func operators(_ c: OperatorCase) throws {
        let routes = "routes:\n  - name: r\n    from: shop\n    when: [\(c.condition)]\n    to: [inventory]\n"
        let reached = try targets(routes, event(type: "orders/paid", data: c.data))
        #expect(reached == (c.holds ? ["inventory"] : []))
    }

    @Test func headersAndAttributesPaths() throws {
        let routes = """
            routes:
              - name: r
                from: shop
                when:
                  - { path: headers.x-shopify-shop-domain, matches: '\\.myshopify\\.com$' }
                  - { path: attributes.api_version, eq: "2025-07" }
                to: [inventory]
            """
        var attrs = JSONObject()
        attrs["api_version"] = .string("2025-07")
        let e = event(type: "orders/paid", data: "{}", headers: [HTTPField("X-Shopify-Shop-Domain", "loja.myshopify.com")], attributes: attrs)
        #expect(try targets(routes, e) == ["inventory"])
        let other = event(type: "orders/paid", data: "{}", headers: [HTTPField("X-Shopify-Shop-Domain", "evil.example.com")], attributes: attrs)
        #expect(try targets(routes, other) == [])
    }

    @Test func explainGivesTheFailingCondition() throws {
        let (table, _) = compile(["a.yaml": baseConfig + """
            routes:
              - { name: paid, from: shop, when: [{ path: data.financial_status, eq: paid }], to: [inventory] }
              - { name: refunds, from: shop, events: [refunds/create], to: [erp] }
            """])
        let t = try #require(table)
        let verdicts = t.verdicts(event(type: "orders/paid", data: #"{"financial_status":"pending"}"#), source: 0)
        #expect(verdicts.map(\.reason) == [
            #"condition failed: data.financial_status eq "paid" (found "pending")"#,
            "type 'orders/paid' is not in events [refunds/create]",
        ])
    }
}
