/// A subscription (`subscriptions:`): a target and the route that feeds it, declared in one entry so
/// the subscriptions API can own them as data. Compiled into a target and (when active) a route, both
/// named by its `id`; this keeps what the API lists.
public struct Subscription: Sendable {
    public let id: String
    public let name: String
    public let url: String
    public let sources: [String]
    public let events: [String]
    public let active: Bool
    public let hasSecret: Bool
    public let timeoutMilliseconds: Int64
    /// Attempts after the first.
    public let retryCount: Int
    /// Names only: values may be credentials.
    public let headerNames: [String]
    public let created: String?
    public let updated: String?
    public let location: SourceLocation
}
