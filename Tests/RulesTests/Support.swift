@testable import Rules

/// A minimal adapter kind so compiler tests do not depend on any provider's rules.
struct FixtureAdapterKind: AdapterKind {
    let name: String
    let eventTypes: [String]
    var configKeys: [String] { ["secret", "type"] }
    var isUnauthenticated: Bool { name == "none" }

    func make(_ config: MappingReader, source: String) -> (any WebhookAdapter)? {
        if name != "none", config.secrets("secret", required: true) == nil { return nil }
        return FixtureAdapter()
    }

    func suggestion(forUnknownType type: String) -> String? {
        type == "orders/refunded" ? "refunds/create" : Suggestion.closest(to: type, in: eventTypes)
    }
}

/// Takes the body as JSON, type from `type`, id from `id`.
struct FixtureAdapter: WebhookAdapter {
    func receive(_ request: InboundRequest, source: String, now: Timestamp) throws(AdapterError) -> Event {
        guard let data = try? JSONValue.parse(request.body) else { throw .badRequest("malformed JSON") }
        return Event(id: data["id"]?.stringValue ?? "x", source: source, type: data["type"]?.stringValue ?? source,
                     time: now, receivedAt: now, headers: request.headers, attributes: JSONObject(), data: data,
                     body: request.body, contentType: "application/json")
    }
    var credentialHeaders: [String] { [] }
    var credentialFields: [FieldPath] { [] }
    func sign(_ request: inout InboundRequest, now: Timestamp) {}
}

let fixtureCatalog = AdapterCatalog([
    FixtureAdapterKind(name: "shopify", eventTypes: ["orders/paid", "orders/cancelled", "orders/create", "refunds/create", "products/update"]),
    FixtureAdapterKind(name: "hmac", eventTypes: []),
    FixtureAdapterKind(name: "none", eventTypes: []),
])

/// Compiles in-memory files (name → YAML text) with the given environment.
func compile(_ files: [String: String], env: [String: String] = [:], readable: [String: String] = [:]) -> (RouteTable?, Diagnostics) {
    let config = files.map { ConfigFile(path: "routes.d/\($0.key)", bytes: Array($0.value.utf8)) }
    let environment = ConfigEnvironment(variables: env, readFile: { path in readable[path].map { Array($0.utf8) } })
    return ConfigCompiler.compile(config, catalog: fixtureCatalog, environment: environment)
}

/// Rendered diagnostics, one per line, in order.
func rendered(_ d: Diagnostics) -> [String] { d.sorted.map(\.description) }

/// An event as an adapter would produce it.
func event(type: String, source: String = "shop", data: String, headers: [HTTPField] = [], attributes: JSONObject = JSONObject()) -> Event {
    let body = Array(data.utf8)
    let parsed = (try? JSONValue.parse(body)) ?? .null
    return Event(id: "e1", source: source, type: type, time: Timestamp(seconds: 1_795_000_000), receivedAt: Timestamp(seconds: 1_795_000_001),
                 headers: headers, attributes: attributes, data: parsed, body: body, contentType: "application/json")
}

/// A small valid config the tests extend.
let baseConfig = """
sources:
  shop:
    adapter: shopify
    path: /in/shopify
    secret: s3cret
  fiscal:
    adapter: hmac
    path: /in/fiscal
    secret: f1scal
targets:
  inventory:
    url: http://127.0.0.1:9999/inventory
  slack:
    url: https://hooks.example.com/slack
  erp:
    url: https://erp.example.com/hooks

"""
