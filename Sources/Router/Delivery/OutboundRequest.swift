import Adapters
import Rules

/// The exact HTTP request one delivery attempt sends to a target (SPEC §5.1, §5.2).
///
/// Pure: the delivery id, the attempt number and the clock are passed in, so the delivery engine,
/// `explain` and the tests all build byte-identical requests from the same inputs.
struct OutboundRequest: Sendable, Equatable {
    var method: String
    var url: String
    /// In the order they are sent; `Content-Length` included, since the body is never chunked.
    var headers: [HTTPField]
    var body: [UInt8]

    /// Names hookrouter sets itself. The compiler already refuses them in a target's `headers:`; the
    /// builder skips them too, so a table built another way still cannot send two signatures.
    static let reservedHeaders = [
        "content-length", "x-hookrouter-event-id", "x-hookrouter-event-type", "x-hookrouter-delivery-id",
        "x-hookrouter-attempt", "x-webhook-signature", "webhook-id", "webhook-timestamp", "webhook-signature",
    ]

    init(method: String, url: String, headers: [HTTPField], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    init(event: Event, route: Route, target: Target, deliveryId: String, attempt: Int, now: Timestamp) {
        self.init(event: event, body: route.body, target: target, deliveryId: deliveryId, attempt: attempt, now: now)
    }

    /// The request for a body mode without a route (`hookrouter send` to a target no route sends to).
    init(event: Event, body mode: BodyMode, target: Target, deliveryId: String, attempt: Int, now: Timestamp) {
        let body = Self.body(for: mode, event: event)
        var headers: [HTTPField] = []
        headers.reserveCapacity(9 + target.headers.count)  // ours, the target's and a signature's: one allocation
        headers.append(HTTPField("Content-Type", Self.contentType(for: mode, event: event)))
        headers.append(HTTPField("Content-Length", String(body.count)))
        // Static headers may set their own Content-Type (an operator's explicit choice), nothing reserved.
        for field in target.headers where !Self.reservedHeaders.contains(field.name.lowercased()) {
            if field.name.caseInsensitiveEquals("content-type") {
                headers[0] = HTTPField("Content-Type", field.value)
            } else {
                headers.append(field)
            }
        }
        headers.append(HTTPField("X-Hookrouter-Event-Id", event.id))
        headers.append(HTTPField("X-Hookrouter-Event-Type", event.type))
        headers.append(HTTPField("X-Hookrouter-Delivery-Id", deliveryId))
        headers.append(HTTPField("X-Hookrouter-Attempt", String(attempt)))
        if let sign = target.sign {
            headers += Self.signatureHeaders(sign, body: body, deliveryId: deliveryId, now: now)
        }
        self.method = target.method
        self.url = target.url
        self.headers = headers
        self.body = body
    }

    /// First value of a header, case-insensitive.
    func header(_ name: String) -> String? { headers.value(named: name) }

    /// The body a route sends for an event: the provider's bytes, the CloudEvents form, or the rendered template.
    static func body(for mode: BodyMode, event: Event) -> [UInt8] {
        switch mode {
        case .raw:
            return event.body
        case .event:
            return CloudEvent.json(for: event)
        case .template(let template):
            var out: [UInt8] = []
            template.render(event).write(into: &out)
            return out
        }
    }

    /// `raw` keeps the provider's content type; what hookrouter writes itself is JSON.
    static func contentType(for mode: BodyMode, event: Event) -> String {
        if case .raw = mode, !event.contentType.isEmpty { return event.contentType }
        return "application/json"
    }

    /// `X-Webhook-Signature`, or the three Standard Webhooks headers, over the exact body bytes.
    static func signatureHeaders(_ signing: Target.Signing, body: [UInt8], deliveryId: String, now: Timestamp) -> [HTTPField] {
        switch signing {
        case .hmacSHA256(let secret):
            return [HTTPField("X-Webhook-Signature", Hex.encode(Digest.hmac(.sha256, key: secret.bytes, message: body)))]
        case .standardWebhooks(let key):
            // The delivery id is stable across retries of one delivery, as the webhook-id must be
            // for receivers to deduplicate; the timestamp is this attempt's.
            let timestamp = String(now.seconds)
            let mac = Digest.hmac(.sha256, key: key, parts: [Array(deliveryId.utf8), Array(".\(timestamp).".utf8), body])
            return [
                HTTPField("webhook-id", deliveryId),
                HTTPField("webhook-timestamp", timestamp),
                HTTPField("webhook-signature", "v1," + Base64.encode(mac)),
            ]
        }
    }
}
