import Rules

/// What a client sends to create or change a subscription, checked for shape before it becomes an
/// entry of the file (the compiler checks the rest: sources, event patterns, `when`, the URL).
/// Every text from the client is written with `${` escaped, so a URL or header can never pull an
/// environment variable (say the admin token) into a request to someone else's server.
struct SubscriptionFields {
    var name: String?
    var url: String?
    var events: [String]?
    var from: [String]?
    var when: JSONValue?
    var active: Bool?
    /// Set: a new secret; `.some(nil)`: remove the secret.
    var secret: String??
    var timeoutMilliseconds: Int64?
    var retryCount: Int?
    var headers: [(String, String)]?

    struct Invalid: Error {
        let detail: String
    }

    static let keys = ["name", "url", "events", "from", "when", "active", "secret", "timeout", "retry_count", "headers"]

    /// The canonical JSON form (`/api/subscriptions`).
    init(json body: [UInt8]) throws(Invalid) {
        guard let value = try? JSONValue.parse(body), case .object(let o) = value else {
            throw Invalid(detail: "send a JSON object with some of: " + Self.keys.joined(separator: ", "))
        }
        if let unknown = o.keys.first(where: { !Self.keys.contains($0) }) {
            throw Invalid(detail: "unknown field '\(unknown)'; the fields are " + Self.keys.joined(separator: ", "))
        }
        name = try Self.text(o, "name")
        url = try Self.text(o, "url")
        events = try Self.list(o, "events")
        from = try Self.list(o, "from")
        when = o["when"]
        if let v = o["active"] {
            guard case .bool(let b) = v else { throw Invalid(detail: "'active' is true or false") }
            active = b
        }
        if let v = o["secret"] {
            switch v {
            case .null: secret = .some(nil)
            case .string(let s) where !s.isEmpty: secret = .some(s)
            default: throw Invalid(detail: "'secret' is a non-empty string, or null to remove it")
            }
        }
        if let v = o["timeout"] {
            switch v {
            case .number(let n):
                guard let seconds = n.intValue, seconds >= 1, seconds <= 300 else { throw Invalid(detail: "'timeout' in seconds is 1 to 300") }
                timeoutMilliseconds = Int64(seconds) * 1000
            case .string(let t):
                guard let ms = Units.durationMilliseconds(t), ms >= 1, ms <= 300_000 else { throw Invalid(detail: "'timeout' is a duration up to 5m (30s) or seconds") }
                timeoutMilliseconds = ms
            default: throw Invalid(detail: "'timeout' is a duration (30s) or a number of seconds")
            }
        }
        if let v = o["retry_count"] {
            guard let n = v.numberValue?.intValue, n >= 0, n <= 99 else { throw Invalid(detail: "'retry_count' is a whole number from 0 to 99") }
            retryCount = n
        }
        if let v = o["headers"] { headers = try Self.headers(v) }
    }

    init() {}

    static func text(_ o: JSONObject, _ key: String) throws(Invalid) -> String? {
        guard let v = o[key] else { return nil }
        guard case .string(let s) = v, !s.isEmpty else { throw Invalid(detail: "'\(key)' is a non-empty string") }
        return s
    }

    /// A list of strings, or one string of comma-separated items (`"nfe_importada,cte_importado"`).
    static func list(_ o: JSONObject, _ key: String) throws(Invalid) -> [String]? {
        guard let v = o[key] else { return nil }
        var items: [String] = []
        switch v {
        case .string(let s): items = s.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        case .array(let a):
            for item in a {
                guard case .string(let s) = item, !s.isEmpty else { throw Invalid(detail: "'\(key)' is a list of non-empty strings") }
                items.append(s)
            }
        default: throw Invalid(detail: "'\(key)' is a list of strings or one comma-separated string")
        }
        guard !items.isEmpty else { throw Invalid(detail: "'\(key)' needs at least one item") }
        return items
    }

    static func headers(_ v: JSONValue) throws(Invalid) -> [(String, String)] {
        guard case .object(let h) = v else { throw Invalid(detail: "'headers' is an object of header names to text values") }
        var out: [(String, String)] = []
        for (name, value) in h {
            guard case .string(let text) = value else { throw Invalid(detail: "header '\(name)' must have a text value") }
            out.append((name, text))
        }
        return out
    }

    /// Writes the fields into a file entry (raw YAML values).
    func apply(to entry: inout JSONObject, creating: Bool, secrets: SecretFiles, id: String) throws(SubscriptionService.Failure) {
        if creating {
            guard name != nil, url != nil, events != nil else { throw .invalid("a new subscription needs 'name', 'url' and 'events'", []) }
        }
        if let name { entry["name"] = .string(Self.escaped(name)) }
        if let url { entry["url"] = .string(Self.escaped(url)) }
        if let from { entry["from"] = .array(from.map { .string(Self.escaped($0)) }) }
        if let events { entry["events"] = .array(events.map { .string(Self.escaped($0)) }) }
        if let when { entry["when"] = Self.escaped(when) }
        if let active { entry["active"] = .bool(active) } else if creating { entry["active"] = .bool(true) }
        if let timeoutMilliseconds { entry["timeout"] = .string(Units.describe(milliseconds: timeoutMilliseconds)) }
        if let retryCount { entry["retry_count"] = .number(JSONNumber(retryCount)) }
        if let headers { entry["headers"] = .object(JSONObject(headers.map { ($0.0, .string(Self.escaped($0.1))) })) }
        if let secret {
            if let old = SubscriptionService.secretPath(of: entry) { secrets.retire(old) }
            if let secret {
                entry["secret"] = .object(JSONObject([("file", .string(try secrets.write(secret, id: id)))]))
            } else {
                entry["secret"] = nil
            }
        }
    }

    /// `${` written as `$${`, the config's literal form, in every string of a value.
    static func escaped(_ s: String) -> String { s.replacing("${", with: "$${") }

    static func escaped(_ v: JSONValue) -> JSONValue {
        switch v {
        case .string(let s): return .string(escaped(s))
        case .array(let a): return .array(a.map(escaped))
        case .object(let o): return .object(JSONObject(o.map { ($0.key, escaped($0.value)) }))
        default: return v
        }
    }

    /// The client's text back from the file's.
    static func unescaped(_ s: String) -> String { s.replacing("$${", with: "${") }
}
