import Rules

/// Shopify: base64 HMAC-SHA256 of the raw body in `X-Shopify-Hmac-Sha256` (or `shopify-hmac-sha256`).
struct ShopifyKind: AdapterKind {
    let name = "shopify"
    let configKeys = ["secret", "allow_shops"]
    let eventTypes = [
        "app/uninstalled", "app/scopes_update", "carts/create", "carts/update", "checkouts/create", "checkouts/update", "checkouts/delete",
        "collections/create", "collections/update", "collections/delete", "customers/create", "customers/update", "customers/delete",
        "customers/enable", "customers/disable", "customers/data_request", "customers/redact", "customers/merge",
        "draft_orders/create", "draft_orders/update", "draft_orders/delete", "fulfillments/create", "fulfillments/update",
        "inventory_items/create", "inventory_items/update", "inventory_items/delete", "inventory_levels/connect",
        "inventory_levels/update", "inventory_levels/disconnect", "orders/create", "orders/updated", "orders/paid",
        "orders/cancelled", "orders/fulfilled", "orders/partially_fulfilled", "orders/edited", "orders/delete",
        "products/create", "products/update", "products/delete", "refunds/create", "shop/update", "shop/redact",
    ]

    func make(_ config: MappingReader, source: String) -> (any WebhookAdapter)? {
        let secrets = config.secrets("secret", required: true)
        let shops = (config.strings("allow_shops") ?? [("*.myshopify.com", config.location)]).map(\.0)
        guard let secrets else { return nil }
        return ShopifyAdapter(secrets: secrets, allowShops: shops)
    }

    func suggestion(forUnknownType type: String) -> String? {
        type == "orders/refunded" ? "refunds/create" : Suggestion.closest(to: type, in: eventTypes)
    }
}

struct ShopifyAdapter: WebhookAdapter {
    let secrets: [Secret]
    let allowShops: [String]
    let credentialHeaders = ["x-shopify-hmac-sha256", "shopify-hmac-sha256"]
    let credentialFields: [FieldPath] = []

    /// Shopify sends `X-Shopify-*`; newer event deliveries send the same names without `X-`.
    static func header(_ request: InboundRequest, _ name: String) -> String? {
        request.header("x-shopify-" + name) ?? request.header("shopify-" + name)
    }

    /// Everything Shopify's adapter needs is in the headers.
    var bodyPaths: [FieldPath]? { [] }

    func receive(_ request: InboundRequest, source: String, now: Timestamp) throws(AdapterError) -> Event {
        guard let signature = Self.header(request, "hmac-sha256") else { throw .unauthorized("missing X-Shopify-Hmac-Sha256 header") }
        // Base64 only: a hex digest decodes to other bytes (or not at all) and fails here.
        guard let given = Base64.decode(signature), given.count == 32 else { throw .unauthorized("signature does not match") }
        guard secrets.contains(where: { ConstantTime.equals(given, Digest.hmac(.sha256, key: $0.bytes, message: request.body)) }) else {
            throw .unauthorized("signature does not match")
        }
        let shop = Self.header(request, "shop-domain")
        guard let shop, allowShops.contains(where: { Glob.matches(pattern: $0.lowercased(), text: shop.lowercased()) }) else {
            throw .unauthorized("shop domain is not allowed for this source")
        }
        guard let topic = Self.header(request, "topic"), !topic.isEmpty else { throw .badRequest("missing X-Shopify-Topic header") }
        let data = try AdapterSupport.parse(request)
        var attributes = JSONObject()
        attributes["shop_domain"] = .string(shop)
        if let v = Self.header(request, "api-version") { attributes["api_version"] = .string(v) }
        if let v = Self.header(request, "event-id") { attributes["event_id"] = .string(v) }
        // One id per delivery attempt series; the event id is shared by every webhook of one merchant action.
        let id = AdapterSupport.nonEmpty(Self.header(request, "webhook-id")) ?? AdapterSupport.bodyHash(request.body)
        let time = Self.header(request, "triggered-at").flatMap { Timestamp(rfc3339: $0) }
        return AdapterSupport.event(request, source: source, type: topic, id: id, time: time, now: now,
                                    attributes: attributes, data: data, dropping: credentialHeaders)
    }

    func sign(_ request: inout InboundRequest, now: Timestamp) {
        guard let secret = secrets.first else { return }
        request.setHeader("X-Shopify-Hmac-Sha256", Base64.encode(Digest.hmac(.sha256, key: secret.bytes, message: request.body)))
        if Self.header(request, "shop-domain") == nil {
            request.setHeader("X-Shopify-Shop-Domain", allowShops.first.map { $0.replacingOccurrences("*", "test-store") } ?? "test-store.myshopify.com")
        }
    }
}

extension String {
    func replacingOccurrences(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
