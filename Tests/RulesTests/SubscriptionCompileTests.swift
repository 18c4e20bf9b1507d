import Testing
@testable import Rules

/// `subscriptions:` entries compile into a target and a route each, checked like hand-written ones,
/// with untrusted-URL rules on top.
struct SubscriptionCompileTests {
    let base = """
    sources:
      shop: { adapter: hmac, path: /in/shop, secret: s }
      other: { adapter: hmac, path: /in/other, secret: s }

    """

    @Test func anEntryBecomesATargetAndARoute() throws {
        let (table, d) = compile(["a.yaml": base + """
        subscriptions:
          - { id: sub-1, name: ERP, url: "https://erp.example/h", events: [a, b], retry_count: 2, timeout: 5s, secret: k, headers: { X-T: "1" } }
          - { id: sub-2, name: Off, url: "https://off.example/h", events: [a], active: false, from: [other] }
        """])
        let t = try #require(table, "\(rendered(d))")
        let target = try #require(t.targetIndex(named: "sub-1").map { t.targets[$0] })
        #expect(target.guarded && target.retry.maxAttempts == 3 && target.timeoutMilliseconds == 5000 && target.sign != nil)
        #expect(t.routes.map(\.name) == ["sub-1"], "an inactive subscription has no route")
        #expect(t.routes[0].sources == [0, 1], "no 'from': every source")
        #expect(t.subscriptions.map(\.id) == ["sub-1", "sub-2"])
        #expect(t.subscriptions[1].sources == ["other"] && !t.subscriptions[1].active)
        #expect(t.subscriptions[0].headerNames == ["X-T"] && t.subscriptions[0].hasSecret)
    }

    @Test func untrustedURLsAreCheckedAndMistakesPointAtTheEntry() {
        let (_, d) = compile(["a.yaml": base + """
        subscriptions:
          - { id: sub-a, name: A, url: "http://erp.example/h", events: [a] }
          - { id: sub-b, name: B, url: "https://192.168.0.10/h", events: [a] }
          - { id: sub-c, name: C, url: "https://[fe80::1]/h", events: [a] }
          - { id: Bad_Id, name: D, url: "https://x.example", events: [a] }
          - { id: sub-e, name: E, url: "https://x.example", events: [a], from: [nope] }
          - { id: sub-e, name: F, url: "https://x.example", events: [a] }
        """])
        let text = rendered(d).joined(separator: "\n")
        #expect(text.contains("a.yaml:5:") && text.contains("subscription 'sub-a' must use https://"))
        #expect(text.contains("subscription 'sub-b' may not send there: 192.168.0.10 is a private address"))
        #expect(text.contains("fe80:0:0:0:0:0:0:1 is a link-local address"))
        #expect(text.contains("the id of subscription 'Bad_Id' must be"))
        #expect(text.contains("unknown source 'nope'"))
        #expect(text.contains("subscription 'sub-e' is declared twice"))
    }

    @Test func theOperatorMayAllowHTTPAndNetworks() throws {
        let (table, d) = compile(["a.yaml": base + """
        settings:
          subscriptions: { allow_http: true, allow_networks: [10.1.0.0/16], sources: [shop] }
        subscriptions:
          - { id: sub-1, name: A, url: "http://10.1.2.3/h", events: [a] }
        """])
        let t = try #require(table, "\(rendered(d))")
        #expect(t.routes[0].sources == [0], "settings.subscriptions.sources is the default 'from'")
        #expect(t.settings.subscriptions.outbound.refusal([10, 1, 2, 3]) == nil)
        #expect(t.settings.subscriptions.outbound.refusal([10, 2, 0, 1]) == "10.2.0.1 is a private address")
        #expect(t.settings.subscriptions.outbound.refusal([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 127, 0, 0, 1]) == "127.0.0.1 is a loopback address",
                "an IPv4-mapped IPv6 address is checked as IPv4")
        #expect(t.settings.subscriptions.outbound.refusal([93, 184, 216, 34]) == nil)
    }
}
