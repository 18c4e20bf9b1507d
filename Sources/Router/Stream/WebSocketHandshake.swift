import Adapters
import HTTPServer

/// The opening handshake of a WebSocket (RFC 6455 §4.2): whether a request asks for one, and the
/// `101 Switching Protocols` head that accepts it. Checked before anything else about the stream (its
/// path, token and groups), so a wrong request gets the status a client library understands.
enum WebSocketHandshake {
    /// Why a request is not a WebSocket opening handshake this server takes.
    enum Refusal: Error, Equatable {
        /// Not GET, not HTTP/1.1 or later, or no `Upgrade: websocket` with `Connection: upgrade`: 400.
        case notAnUpgrade(String)
        /// A version other than 13: 426 with `Sec-WebSocket-Version: 13` (§4.4).
        case unsupportedVersion
        /// `Sec-WebSocket-Key` missing or not the base64 of 16 bytes: 400.
        case badKey
    }

    /// The GUID every server appends to the client's key (§1.3).
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`.
    static func accept(key: String) -> String {
        Base64.encode(Digest.sha1(Array((key + guid).utf8)))
    }

    /// The accept value for this request, or why it is refused.
    static func check(_ head: HTTPRequestHead) -> Result<String, Refusal> {
        guard head.method == "GET" else { return .failure(.notAnUpgrade("a WebSocket opens with GET, not \(head.method)")) }
        guard head.versionMinor >= 1 else { return .failure(.notAnUpgrade("a WebSocket needs HTTP/1.1")) }
        guard tokens(head.header("upgrade")).contains("websocket") else { return .failure(.notAnUpgrade("no Upgrade: websocket")) }
        guard tokens(head.header("connection")).contains("upgrade") else { return .failure(.notAnUpgrade("no Connection: upgrade")) }
        guard head.header("sec-websocket-version")?.trimmingCharacters(in: " \t") == "13" else { return .failure(.unsupportedVersion) }
        guard let key = head.header("sec-websocket-key")?.trimmingCharacters(in: " \t"), Base64.decode(key)?.count == 16 else {
            return .failure(.badKey)
        }
        return .success(accept(key: key))
    }

    /// The answer's head: status line and headers, ending with the empty line.
    static func switchingProtocols(accept: String) -> [UInt8] {
        Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n".utf8)
    }

    /// A comma-separated header's tokens, lower-cased (`Connection: keep-alive, Upgrade`).
    private static func tokens(_ value: String?) -> [String] {
        (value ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: " \t").lowercased() }
    }
}
