import Adapters
import Rules
import Testing
@testable import Router

struct OutboundRequestTests {
    let yaml = """
        sources:
          shopify: { adapter: shopify, path: /in/shopify, secret: s }
        targets:
          plain: { url: "https://plain.example.com/hook", headers: { X-Custom: one, Content-Type: text/plain } }
          hmac: { url: "https://hmac.example.com/hook", sign: { scheme: hmac-sha256, secret: target-secret } }
          sw: { url: "https://sw.example.com/hook", sign: { scheme: standard-webhooks, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } }
        routes:
          - { name: raw, from: shopify, to: [plain, hmac, sw] }
          - { name: event, from: shopify, to: [hmac], body: event }
          - name: template
            from: shopify
            to: [hmac]
            body: template
            template: { evento: "${{ type }}", id: "${{ data.id }}", texto: "pedido ${{ data.id }} ${{ data.financial_status }}", nada: "${{ data.absent }}" }

        """
    let now = Timestamp(seconds: 1_795_000_100)

    func build(route: String, target: String, event: Event? = nil) throws -> OutboundRequest {
        let table = try compileTable(yaml)
        let r = try #require(table.routes.first { $0.name == route })
        let t = try #require(table.targets.first { $0.name == target })
        return OutboundRequest(event: try event ?? sampleEvent(), route: r, target: t, deliveryId: "dlv_1", attempt: 3, now: now)
    }

    @Test func rawKeepsBytesAndContentTypeAndAddsTheHookrouterHeaders() throws {
        let event = try sampleEvent()
        let r = try build(route: "raw", target: "plain", event: event)
        #expect(r.method == "POST")
        #expect(r.url == "https://plain.example.com/hook")
        #expect(r.body == event.body)
        #expect(r.header("content-length") == String(event.body.count))
        #expect(r.header("x-hookrouter-event-id") == "b54557e4")
        #expect(r.header("x-hookrouter-event-type") == "orders/paid")
        #expect(r.header("x-hookrouter-delivery-id") == "dlv_1")
        #expect(r.header("x-hookrouter-attempt") == "3")
        #expect(r.headers.filter { $0.name.caseInsensitiveEquals("x-hookrouter-attempt") }.count == 1)
        #expect(r.header("x-custom") == "one")
        #expect(r.header("content-type") == "text/plain", "an explicit static Content-Type wins")
        #expect(r.header("x-webhook-signature") == nil && r.header("webhook-signature") == nil)

        let unsigned = try build(route: "raw", target: "hmac", event: event)
        #expect(unsigned.header("content-type") == "application/json; charset=utf-8", "raw keeps the provider's content type")
    }

    @Test func hmacSignatureIsHexOverTheExactBody() throws {
        let r = try build(route: "raw", target: "hmac")
        let want = Hex.encode(Digest.hmac(.sha256, key: Array("target-secret".utf8), message: r.body))
        #expect(r.header("X-Webhook-Signature") == want)
        // Independently of our crypto: the same recipe on a fixed body, the digest computed with Python's hmac module.
        let event = try sampleEvent(body: #"{"a":1}"#)
        let fixed = try build(route: "raw", target: "hmac", event: event)
        #expect(fixed.header("X-Webhook-Signature") == "345c1c14f6768a153403cfec51ba4674c011b30c6e18e95508cb51981cad4b4d")
    }

    @Test func standardWebhooksSignatureVerifiesLikeALibraryWould() throws {
        let r = try build(route: "raw", target: "sw")
        #expect(r.header("webhook-id") == "dlv_1")
        #expect(r.header("webhook-timestamp") == "1795000100")
        let signature = try #require(r.header("webhook-signature"))
        #expect(signature.hasPrefix("v1,"))
        // Recompute as a receiver does: key = base64-decoded part after whsec_, over "{id}.{ts}.{body}".
        let key = try #require(Base64.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signed = Array("dlv_1.1795000100.".utf8) + r.body
        #expect(signature == "v1," + Base64.encode(Digest.hmac(.sha256, key: key, message: signed)))
        // And the adapter hookrouter uses for inbound Standard Webhooks accepts it.
        let table = try compileTable("sources:\n  in: { adapter: standard-webhooks, path: /in/sw, secret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\" }\n")
        let inbound = InboundRequest(path: "/in/sw", headers: r.headers, body: r.body)
        #expect(throws: Never.self) { try table.sources[0].adapter.receive(inbound, source: "in", now: now) }
        // A fixed body against a digest computed outside Swift (Python's hmac and base64).
        let fixed = try build(route: "raw", target: "sw", event: try sampleEvent(body: #"{"a":1}"#))
        #expect(fixed.header("webhook-signature") == "v1,Ef55xfCJRcf+WqV5CUY2MH02H/pIW/qYmdnrtBvVRTc=")
        var tampered = inbound
        tampered.body.append(0x20)
        #expect(throws: AdapterError.self) { try table.sources[0].adapter.receive(tampered, source: "in", now: now) }
    }

    @Test func eventBodyIsCloudEventsWithExactNumbers() throws {
        let r = try build(route: "event", target: "hmac")
        #expect(r.header("content-type") == "application/json")
        let json = try JSONValue.parse(r.body)
        #expect(json["specversion"] == "1.0")
        #expect(json["id"] == "b54557e4")
        #expect(json["source"] == "shopify")
        #expect(json["type"] == "orders/paid")
        #expect(json["time"] == "2026-11-18T11:06:40Z")
        #expect(json["receivedat"] == "2026-11-18T11:06:41Z")
        #expect(json["datacontenttype"] == "application/json")
        #expect(json["attributes"]?["shop_domain"] == "loja.myshopify.com")
        #expect(json["data"]?["id"]?.numberValue?.text == "820982911946154508", "ids above 2^53 stay exact")
        #expect(r.header("x-webhook-signature") == Hex.encode(Digest.hmac(.sha256, key: Array("target-secret".utf8), message: r.body)))
    }

    @Test func templateBodyKeepsTypesAndInterpolatesText() throws {
        let r = try build(route: "template", target: "hmac")
        #expect(String(decoding: r.body, as: UTF8.self)
            == #"{"evento":"orders/paid","id":820982911946154508,"texto":"pedido 820982911946154508 paid","nada":null}"#)
    }
}
