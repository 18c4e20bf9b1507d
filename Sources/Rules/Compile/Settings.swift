/// `settings:` of the route files. Command-line flags override these.
public struct Settings: Sendable {
    public var listen: String?
    public var adminListen: String?
    public var adminToken: Secret?
    /// Finished events (and their deliveries and attempts) and attempt rows older than this are purged.
    public var retentionMilliseconds: Int64 = 7 * 86_400_000
    /// How long an event id is recognised as a duplicate, whether its event is still kept or not:
    /// providers retry for hours to two days, not for the retention's week.
    public var dedupWindowMilliseconds: Int64 = 2 * 86_400_000
    /// 32 bytes; stored bodies and headers are encrypted with it when set.
    public var storeKey: Secret?
    /// `http:` timeouts and limits of the ingest listener; nil keeps the server's default.
    public var headerTimeoutMilliseconds: Int64?
    public var bodyTimeoutMilliseconds: Int64?
    public var keepAliveTimeoutMilliseconds: Int64?
    public var maxConnections: Int?
    public var maxBufferedBodyBytes: Int?
    /// `store:`: a `postgres://` URL for the PostgreSQL store; nil (or `sqlite`): the SQLite file in
    /// the data directory. `HOOKROUTER_STORE` in the environment overrides it.
    public var store: String?
    /// `subscriptions:` of settings: the file the subscriptions API owns and what its targets may do.
    public var subscriptions = SubscriptionSettings()

    public init() {}
}

/// `settings.subscriptions`.
public struct SubscriptionSettings: Sendable {
    /// The file in the config directory the API writes (and only it).
    public var file = "90-subscriptions.yaml"
    /// Where the API writes secrets (mode 0600); nil: `<data>/secrets`.
    public var secretsDirectory: String?
    /// Sources a subscription without `from` takes events from; nil: every source.
    public var sources: [String]?
    /// Where subscription targets may connect.
    public var outbound = OutboundPolicy()

    public init() {}
}
