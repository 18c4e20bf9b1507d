import Adapters
import HTTPServer
import Rules

/// A client's request to listen to a stream: which groups, from where, and with what credential;
/// checked against the stream's `auth` before anything is upgraded or held.
///
/// Query: `group=` (repeatable, or comma-separated), `after=<id>` (resume), `token=` (browsers cannot
/// set headers on a WebSocket or an EventSource). `Authorization: Bearer`, `Last-Event-ID` do the same.
struct StreamRequest {
    /// Groups asked for; empty: every group the credential grants.
    var groups: [String] = []
    /// Resume after this id (an event's store seq).
    var after: Int64?
    var token: String?

    enum Refusal: Error, Equatable {
        case badRequest(String)
        case unauthorized(String)
        case forbidden(String)

        var status: Int {
            switch self {
            case .badRequest: return 400
            case .unauthorized: return 401
            case .forbidden: return 403
            }
        }

        var response: HTTPResponse {
            switch self {
            case .badRequest(let d): return IngestAnswer.error(400, "bad_request", d)
            case .unauthorized(let d): return IngestAnswer.error(401, "unauthorized", d, headers: [HTTPHeader("WWW-Authenticate", "Bearer")])
            case .forbidden(let d): return IngestAnswer.error(403, "forbidden", d)
            }
        }
    }

    /// What an authenticated client may listen to.
    struct Grant {
        /// nil: every group.
        let groups: Set<String>?
        /// Token expiry (ms since the epoch); the connection is closed then. nil: never.
        let expiresMilliseconds: Int64?
    }

    static let maxGroups = 64

    init(_ head: HTTPRequestHead) throws(Refusal) {
        for (key, value) in AdminQuery.pairs(head.target) {
            switch key {
            case "group", "groups":
                groups += value.split(separator: ",").map(String.init).filter { !$0.isEmpty }
            case "after":
                after = try Self.id(value)
            case "token":
                token = value
            default:
                continue  // an application's own parameters (cache busters, session ids) are left alone
            }
        }
        if after == nil, let last = head.header("last-event-id"), !last.isEmpty { after = try Self.id(last) }
        if let auth = head.header("authorization") {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { token = String(parts[1]).trimmingCharacters(in: " \t") }
        }
        guard groups.count <= Self.maxGroups else { throw .badRequest("at most \(Self.maxGroups) groups per connection") }
        groups = Array(Set(groups)).sorted()
    }

    private static func id(_ text: String) throws(Refusal) -> Int64 {
        guard let n = Int64(text), n >= 0 else { throw .badRequest("an event id is a non-negative number, not '\(text.prefix(40))'") }
        return n
    }

    /// Checks the credential against the stream's `auth` and the groups asked for against what it grants.
    func authorize(_ auth: StreamSettings.Auth, now: Timestamp) throws(Refusal) -> Grant {
        if auth.open { return Grant(groups: groups.isEmpty ? nil : Set(groups), expiresMilliseconds: nil) }
        guard let token, !token.isEmpty else { throw .unauthorized("this stream needs a token: ?token=… or Authorization: Bearer …") }
        let bytes = Array(token.utf8)
        if auth.bearerTokens.contains(where: { ConstantTime.equals($0.bytes, bytes) }) {
            return Grant(groups: groups.isEmpty ? nil : Set(groups), expiresMilliseconds: nil)
        }
        guard !auth.tokenSecrets.isEmpty else { throw .unauthorized("the token is not valid for this stream") }
        let claims: StreamTokenClaims
        do {
            claims = try StreamToken.verify(token, secrets: auth.tokenSecrets, now: now)
        } catch {
            throw .unauthorized("the token is not valid for this stream: \(error)")
        }
        let granted = Set(claims.groups)
        let expires = claims.expiresAt.milliseconds
        if granted.contains("*") { return Grant(groups: groups.isEmpty ? nil : Set(groups), expiresMilliseconds: expires) }
        if groups.isEmpty { return Grant(groups: granted, expiresMilliseconds: expires) }
        if let refused = groups.first(where: { !granted.contains($0) }) {
            throw .forbidden("the token does not grant group '\(refused.prefix(80))'")
        }
        return Grant(groups: Set(groups), expiresMilliseconds: expires)
    }
}
