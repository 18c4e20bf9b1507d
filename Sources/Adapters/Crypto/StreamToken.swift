import Rules

/// What a stream client's token grants (#15): the groups it may subscribe to, until when.
public struct StreamTokenClaims: Sendable, Equatable {
    public let groups: [String]
    public let expiresAt: Timestamp
    /// `sub`, for log lines (a user or store id); never a secret.
    public let subject: String?
}

/// Why a token was refused; the text is safe to answer and log (it never holds the token).
public enum StreamTokenError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case unsupportedAlgorithm(String)
    case badSignature
    case expired
    case notYetValid

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed token: \(why)"
        case .unsupportedAlgorithm(let alg): return "token algorithm '\(alg)' is not accepted (HS256 only)"
        case .badSignature: return "token signature does not verify"
        case .expired: return "token has expired"
        case .notYetValid: return "token is not valid yet"
        }
    }
}

/// Stream tokens are JWTs (RFC 7519) signed with HMAC-SHA256, so the operator's backend mints them
/// with any JWT library and hookrouter keeps no session store: `{"alg":"HS256"}` and claims `exp`
/// (required), `nbf` (optional), `groups` (required, non-empty strings) and `sub` (optional).
/// Only HS256 is accepted (never `none`, never an algorithm the token picks); several secrets verify
/// during a rotation.
public enum StreamToken {
    /// Longest token read, so a client cannot make the server parse a megabyte of header.
    public static let maxLength = 8192

    public static func verify(_ token: String, secrets: [Secret], now: Timestamp, leewaySeconds: Int64 = 30) throws(StreamTokenError) -> StreamTokenClaims {
        guard token.utf8.count <= maxLength else { throw .malformed("longer than \(maxLength) bytes") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("not three dot-separated parts") }
        let header = try object(parts[0], "header")
        guard let alg = header["alg"]?.stringValue else { throw .malformed("no alg in the header") }
        guard alg == "HS256" else { throw .unsupportedAlgorithm(alg) }
        if let typ = header["typ"], typ.stringValue?.uppercased() != "JWT" { throw .malformed("typ is not JWT") }
        guard let signature = Base64.decodeURL(String(parts[2])) else { throw .malformed("signature is not base64url") }
        let signed = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        guard secrets.contains(where: { ConstantTime.equals(Digest.hmac(.sha256, key: $0.bytes, message: signed), signature) }) else {
            throw .badSignature
        }
        // Claims are read only once the signature holds: nothing of an unsigned token is believed.
        let claims = try object(parts[1], "claims")
        guard let exp = seconds(claims["exp"]) else { throw .malformed("no numeric exp claim") }
        guard now.seconds <= exp + leewaySeconds else { throw .expired }
        if let v = claims["nbf"] {
            guard let nbf = seconds(v) else { throw .malformed("nbf is not numeric") }
            guard now.seconds + leewaySeconds >= nbf else { throw .notYetValid }
        }
        guard let list = claims["groups"]?.arrayValue, !list.isEmpty else { throw .malformed("no groups claim (a non-empty array)") }
        var groups: [String] = []
        for g in list {
            guard let s = g.stringValue, !s.isEmpty else { throw .malformed("groups must be non-empty strings") }
            groups.append(s)
        }
        let subject = claims["sub"]?.stringValue
        return StreamTokenClaims(groups: groups, expiresAt: Timestamp(seconds: exp), subject: subject)
    }

    /// A token as a backend would mint it (for `hookrouter` tooling and tests).
    public static func mint(groups: [String], expiresAt: Timestamp, subject: String? = nil, secret: Secret) -> String {
        let header = Base64.encodeURL(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        var claims = JSONObject()
        if let subject { claims["sub"] = .string(subject) }
        claims["groups"] = .array(groups.map { .string($0) })
        claims["exp"] = .number(JSONNumber(Int(expiresAt.seconds)))
        let payload = Base64.encodeURL(Array(JSONValue.object(claims).serialized.utf8))
        let signature = Digest.hmac(.sha256, key: secret.bytes, message: Array((header + "." + payload).utf8))
        return header + "." + payload + "." + Base64.encodeURL(signature)
    }

    private static func object(_ part: Substring, _ what: String) throws(StreamTokenError) -> JSONObject {
        guard let bytes = Base64.decodeURL(String(part)) else { throw .malformed("\(what) is not base64url") }
        guard let value = try? JSONValue.parse(bytes, maxDepth: 8), let o = value.objectValue else {
            throw .malformed("\(what) is not a JSON object")
        }
        return o
    }

    /// A NumericDate (RFC 7519 §2): seconds, possibly with a fraction.
    private static func seconds(_ v: JSONValue?) -> Int64? {
        guard let d = v?.numberValue?.doubleValue, d.isFinite, abs(d) < 1e15 else { return nil }
        return Int64(d.rounded(.down))
    }
}
