import Rules
import Testing
@testable import Router

struct PlainEndpointTests {
    @Test func ipLiteralsAreServed() throws {
        let v4 = try #require(PlainEndpoint(url: "http://127.0.0.1:8080/hooks/x?a=1#frag"))
        #expect(v4.host == "127.0.0.1" && v4.port == 8080 && v4.path == "/hooks/x?a=1" && v4.hostHeader == "127.0.0.1:8080")
        let v6 = try #require(PlainEndpoint(url: "HTTP://[::1]/"))
        #expect(v6.host == "::1" && v6.port == 80 && v6.path == "/" && v6.hostHeader == "[::1]")
        #expect(PlainEndpoint(url: "http://10.0.0.5")?.path == "/")
        #expect(PlainEndpoint(url: "http://10.0.0.5?x=1")?.path == "/?x=1")
    }

    @Test func aProxyOrTheOperatorHandsEveryTargetToLibcurl() {
        #expect(PlainEndpoint.enabled([:]))
        #expect(PlainEndpoint.enabled(["http_proxy": "", "HOOKROUTER_HTTP_CLIENT": "auto"]))
        #expect(!PlainEndpoint.enabled(["http_proxy": "http://proxy:3128"]))
        #expect(!PlainEndpoint.enabled(["ALL_PROXY": "socks5://proxy"]))
        #expect(!PlainEndpoint.enabled(["HOOKROUTER_HTTP_CLIENT": "curl"]))
    }

    @Test(arguments: [
        "https://127.0.0.1/x", "http://inventory.internal/x", "http://localhost:9000/", "http://user:pw@127.0.0.1/",
        "http://127.0.0.1:0/", "http://127.0.0.1:99999/", "http://127.0.0.1:80x/", "http://[fe80::1%eth0]/", "http://127.0.0.1/a b",
        "http://[::1/", "ftp://127.0.0.1/",
    ])
    func everythingElseGoesToLibcurl(_ url: String) {
        #expect(PlainEndpoint(url: url) == nil)
    }
}

struct HTTP1RequestTests {
    func request(_ headers: [HTTPField]) -> OutboundRequest {
        OutboundRequest(method: "PUT", url: "http://127.0.0.1:9/x", headers: headers, body: Array("{}".utf8))
    }

    @Test func headThenBody() throws {
        let endpoint = try #require(PlainEndpoint(url: "http://127.0.0.1:9/x?y=1"))
        let prefix = HTTP1Request.prefix(method: "PUT", endpoint: endpoint, targetHeaders: [])
        let bytes = try HTTP1Request.encode(request([HTTPField("Content-Type", "application/json"), HTTPField("Content-Length", "2")]), prefix: prefix)
        #expect(String(decoding: bytes, as: UTF8.self) ==
                "PUT /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nUser-Agent: hookrouter/0.1\r\nAccept: */*\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
    }

    @Test func aTargetsOwnHostReplacesOurs() throws {
        let endpoint = try #require(PlainEndpoint(url: "http://127.0.0.1:9/"))
        let own = [HTTPField("host", "api.example.com")]
        let prefix = HTTP1Request.prefix(method: "PUT", endpoint: endpoint, targetHeaders: own)
        let text = String(decoding: try HTTP1Request.encode(request(own), prefix: prefix), as: UTF8.self)
        #expect(!text.contains("Host: 127.0.0.1") && text.contains("host: api.example.com\r\n"))
    }

    @Test func aLineBreakInAValueIsNotSent() throws {
        let endpoint = try #require(PlainEndpoint(url: "http://127.0.0.1:9/"))
        #expect(throws: HTTP1Request.Unwritable.self) {
            try HTTP1Request.encode(request([HTTPField("X-Hookrouter-Event-Type", "a\r\nX-Evil: 1")]),
                                    prefix: HTTP1Request.prefix(method: "PUT", endpoint: endpoint, targetHeaders: []))
        }
    }

    /// The engine writes raw-body requests straight from the stored event (`encodeRaw`); every other
    /// caller builds an `OutboundRequest` and encodes it. Both must put the same bytes on the wire.
    @Test func aRawBodyIsWrittenAsTheOutboundRequestWouldBe() throws {
        let table = try compileTable("""
            sources:
              s: { adapter: none, path: /in/s }
            targets:
              bare: { url: "http://127.0.0.1:9/a" }
              own: { url: "http://127.0.0.1:9/b?x=1", method: PUT, headers: { X-Custom: one, Content-Type: text/plain, Accept: nada, X-Two: dois } }
              hmac: { url: "http://127.0.0.1:9/c", sign: { scheme: hmac-sha256, secret: target-secret } }
              sw: { url: "http://127.0.0.1:9/d", headers: { User-Agent: custom/1 }, sign: { scheme: standard-webhooks, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } }
            routes:
              - { name: raw, from: s, to: [bare, own, hmac, sw] }
            """)
        let route = try #require(table.routes.first)
        let now = Timestamp(seconds: 1_795_000_100)
        for contentType in ["application/json; charset=utf-8", ""] {
            let stored = StoredEvent(source: "s", eventID: "b54557e4-ñ", type: "orders/paid", time: now, receivedAt: now, contentType: contentType,
                                     headers: [HTTPField("x-a", "1")], attributes: JSONObject(), body: Array(#"{"a":"ção"}"#.utf8), deliveries: [])
            for target in table.targets {
                let endpoint = try #require(PlainEndpoint(url: target.url))
                let prefix = HTTP1Request.prefix(method: target.method, endpoint: endpoint, targetHeaders: target.headers)
                let part = try #require(HTTP1Request.TargetPart(target))
                // Into a recycled buffer: what an earlier request left in it must not reach the wire.
                var direct = Array("POST /earlier HTTP/1.1\r\n".utf8)
                try HTTP1Request.encodeRaw(stored, target: target, part: part, deliveryId: 1_200_000, attempt: 3, now: now, prefix: prefix,
                                           into: &direct)
                let built = try HTTP1Request.encode(OutboundRequest(event: stored.event(parsingData: false), route: route, target: target,
                                                                    deliveryId: "1200000", attempt: 3, now: now), prefix: prefix)
                #expect(String(decoding: direct, as: UTF8.self) == String(decoding: built, as: UTF8.self), "target \(target.name)")
            }
        }
        // A provider's line break in the id is refused by both, naming the same header.
        let bad = StoredEvent(source: "s", eventID: "a\r\nX-Evil: 1", type: "t", time: now, receivedAt: now, contentType: "",
                              headers: [], attributes: JSONObject(), body: [], deliveries: [])
        let target = table.targets[0]
        let prefix = HTTP1Request.prefix(method: "POST", endpoint: try #require(PlainEndpoint(url: target.url)), targetHeaders: [])
        let part = try #require(HTTP1Request.TargetPart(target))
        let error = #expect(throws: HTTP1Request.Unwritable.self) {
            var out: [UInt8] = []
            try HTTP1Request.encodeRaw(bad, target: target, part: part, deliveryId: 1, attempt: 1, now: now, prefix: prefix, into: &out)
        }
        #expect(error?.description == "header 'X-Hookrouter-Event-Id' holds a line break; the request was not sent")
    }
}
