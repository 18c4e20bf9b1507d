import Testing
@testable import Rules

/// `targets: { x: { stream: … } }` compiled: defaults, the group template, auth forms and what `check` refuses.
struct StreamTargetTests {
    let source = """
    sources:
      shop: { adapter: hmac, path: /in/shop, secret: s }

    """

    @Test func aStreamTargetWithItsDefaults() throws {
        let (table, d) = compile(["a.yaml": source + """
        targets:
          ui: { stream: { path: /ws/stock, group: 'loja-${{ data.loja }}', auth: { bearer: "t" } } }
        routes:
          - { name: r, from: shop, to: [ui], priority: critical }
        """])
        let t = try #require(table, "\(rendered(d))")
        let stream = try #require(t.targets[0].stream)
        #expect(stream.path == "/ws/stock" && stream.replayWindowMilliseconds == 3_600_000 && stream.pingMilliseconds == 30_000)
        #expect(stream.queueMessages == 256 && stream.maxClients == 10_000 && stream.idleTimeoutMilliseconds == 75_000)
        #expect(stream.group(of: event(type: "x", data: #"{"loja":7}"#)) == "loja-7")
        #expect(stream.group(of: event(type: "x", data: #"{}"#)) == "loja-")
        #expect(t.streamTarget(forPath: "/ws/stock")?.name == "ui" && t.hasStreams)
        #expect(t.routes[0].priority == .critical)
    }

    @Test func mistakesAreReportedWithTheirPlace() {
        let (_, d) = compile(["a.yaml": source + """
        targets:
          a: { stream: { path: /in/shop, auth: none } }
          b: { stream: { path: ws/b, auth: { bearer: t } } }
          c: { stream: { path: /ws/c, auth: {} } }
          e: { stream: { path: /ws/e, auth: { bearer: t }, url: "http://x" } }
          f: { url: "http://127.0.0.1/x" }
        routes:
          - { name: r, from: shop, to: [f], priority: critical }
          - { name: s, from: shop, to: [a], priority: soon }
        """])
        let text = rendered(d).joined(separator: "\n")
        #expect(text.contains("the stream of target 'a' uses path '/in/shop' already taken by source 'shop'"))
        #expect(text.contains("has 'auth: none'"))
        #expect(text.contains("'path' of the stream of target 'b' must start with '/'"))
        #expect(text.contains("'auth' of the stream of target 'c' needs 'token_secret'"))
        #expect(text.contains("unknown key 'url' in 'stream' of target 'e'"))
        #expect(text.contains("route 'r' has a 'priority', which only stream targets use"))
        #expect(text.contains("'priority'") && text.contains("soon"))
    }
}
