/// A compiled source: where webhooks arrive and how they are proven authentic.
public final class Source: Sendable {
    public let name: String
    public let index: Int
    public let adapterName: String
    public let adapter: any WebhookAdapter
    /// Exact path, e.g. `/in/shopify`.
    public let path: String
    /// Also accept `<path>/<suffix>` (Evolution's webhook-by-events).
    public let byEvents: Bool
    public let rateLimit: Rate?
    public let maxBody: Int
    /// Empty: any address.
    public let allowIPs: [CIDR]
    /// Event type → paths that must be present (422 otherwise).
    public let require: [String: [EventPath]]
    /// Paths never shown in logs, the admin API, `deliveries` or `explain`; includes the adapter's credential fields.
    public let redact: [EventPath]
    public let location: SourceLocation

    public static let defaultMaxBody = 1 << 20

    /// Whether a client address may post here: any address without `allow_ips`, else one inside a
    /// listed network (the address is parsed once, not once per network).
    public func allows(address: String) -> Bool {
        guard !allowIPs.isEmpty else { return true }
        guard let ip = IPAddress.parse(address) else { return false }
        return allowIPs.contains { $0.contains(ip) }
    }

    /// Paths a required-fields check finds missing for this event, in declaration order.
    public func missingRequiredPaths(_ event: Event) -> [EventPath] {
        guard let paths = require[event.type] else { return [] }
        return paths.filter { $0.firstValue(in: event) == nil }
    }

    init(name: String, index: Int, adapterName: String, adapter: any WebhookAdapter, path: String, byEvents: Bool, rateLimit: Rate?, maxBody: Int, allowIPs: [CIDR], require: [String: [EventPath]], redact: [EventPath], location: SourceLocation) {
        self.name = name
        self.index = index
        self.adapterName = adapterName
        self.adapter = adapter
        self.path = path
        self.byEvents = byEvents
        self.rateLimit = rateLimit
        self.maxBody = maxBody
        self.allowIPs = allowIPs
        self.require = require
        self.redact = redact
        self.location = location
    }
}
