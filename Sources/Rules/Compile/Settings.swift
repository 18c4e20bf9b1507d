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

    public init() {}
}
