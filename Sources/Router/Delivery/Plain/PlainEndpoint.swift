import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A target URL the built-in HTTP/1.1 client can serve: `http://` to an IP address literal, with no
/// user info. Everything else (https, host names that need DNS, credentials in the URL, a proxy from
/// the environment) stays with libcurl, which does those well; see docs/decisions.md.
struct PlainEndpoint: Hashable {
    /// The socket address, as bytes of a sockaddr_in or sockaddr_in6.
    let address: [UInt8]
    let family: Int32
    /// `Host:` header value and the text errors name ("127.0.0.1 port 8080", as libcurl says it).
    let hostHeader: String
    let host: String
    let port: Int
    /// Origin-form request target: path and query, "/" when the URL has none.
    let path: String

    /// Parses `url`; nil when libcurl should send to it instead.
    init?(url: String) {
        guard url.utf8.count > 7, url.prefix(7).lowercased() == "http://" else { return nil }
        let rest = url.dropFirst(7)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.isEmpty || target.first == "?" { target = "/" + target }
        // Bytes a request line cannot carry as they are: libcurl's URL handling decides what to do.
        guard !authority.contains("@"), target.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }

        var hostText: Substring
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { return nil }
                portText = after.dropFirst()
            }
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            hostText = parts[0]
            portText = parts.count > 1 ? parts[1] : nil
        }
        var port = 80
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCII), let p = Int(portText), p > 0, p < 65536 else { return nil }
            port = p
        }
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let host = String(hostText)
        if authority.first != "[", inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
            address = withUnsafeBytes(of: &v4) { Array($0) }
            family = AF_INET
        } else if authority.first == "[", !host.contains("%"), inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
            address = withUnsafeBytes(of: &v6) { Array($0) }
            family = AF_INET6
        } else {
            return nil  // a name: resolving it would block the engine's loop; libcurl resolves off-thread
        }
        self.host = host
        self.port = port
        self.hostHeader = String(authority)
        self.path = target
    }

    /// Whether the plain client sends at all: not while the environment names a proxy libcurl would use
    /// for http:// URLs, nor with `HOOKROUTER_HTTP_CLIENT=curl`, which has libcurl send to every target
    /// (an operator's way around a problem with this client without a new build).
    static func enabled(_ environment: [String: String]) -> Bool {
        if environment["HOOKROUTER_HTTP_CLIENT"] == "curl" { return false }
        return ["http_proxy", "all_proxy", "ALL_PROXY"].allSatisfy { (environment[$0] ?? "").isEmpty }
    }
}

/// How the engine sends to one target through the plain client: the endpoint's id in the client, the
/// bytes every request to it starts with (`HTTP1Request.prefix`), and what its raw-body requests add
/// (nil when a header of the target cannot be written: the general path reports it).
struct PlainRoute {
    let endpoint: Int
    let prefix: [UInt8]
    let targetPart: HTTP1Request.TargetPart?
}
