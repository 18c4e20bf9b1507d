extension ConfigCompiler {
    static let settingsKeys = ["listen", "admin", "retention", "dedup_window", "store_key", "http", "subscriptions", "store"]
    static let httpKeys = ["header_timeout", "body_timeout", "keepalive_timeout", "max_connections", "max_buffered_bodies"]

    func compileSettings(_ pairs: [(YAMLPair, ConfigFile)]) -> Settings {
        var settings = Settings()
        var seen: [String: SourceLocation] = [:]
        for (pair, _) in pairs {
            if let earlier = seen[pair.key] {
                context.error("duplicate-key", "setting '\(pair.key)' is set twice: here and at \(earlier); keep one", at: pair.keyLocation)
                continue
            }
            seen[pair.key] = pair.keyLocation
            let holder = YAMLNode(.mapping([pair]), at: pair.keyLocation)
            guard let reader = MappingReader(holder, subject: "settings", context: context) else { continue }
            reader.checkKeys(Self.settingsKeys)
            switch pair.key {
            case "listen":
                settings.listen = listenAddress(reader, "listen")
            case "retention":
                settings.retentionMilliseconds = reader.duration("retention") ?? settings.retentionMilliseconds
            case "dedup_window":
                if let ms = reader.duration("dedup_window") {
                    if ms > 0 { settings.dedupWindowMilliseconds = ms } else {
                        context.error("value", "'dedup_window' must be above zero: with none, every provider retry would be stored and delivered again", at: pair.value.location)
                    }
                }
            case "store_key":
                if let key = reader.secret("store_key") {
                    if key.bytes.count == 32 {
                        settings.storeKey = key
                    } else {
                        context.error("value", "'store_key' must be exactly 32 bytes (AES-256), it has \(key.bytes.count); generate one with `head -c 32 /dev/urandom > key`", at: pair.value.location)
                    }
                }
            case "admin":
                guard let admin = reader.mapping("admin", subject: "settings.admin") else { break }
                admin.checkKeys(["listen", "token"])
                settings.adminListen = listenAddress(admin, "listen")
                settings.adminToken = admin.secret("token")
            case "http":
                guard let http = reader.mapping("http", subject: "settings.http") else { break }
                http.checkKeys(Self.httpKeys)
                settings.headerTimeoutMilliseconds = http.duration("header_timeout")
                settings.bodyTimeoutMilliseconds = http.duration("body_timeout")
                settings.keepAliveTimeoutMilliseconds = http.duration("keepalive_timeout")
                settings.maxConnections = http.int("max_connections", range: 1...1_000_000)
                if let n = http.size("max_buffered_bodies") {
                    if n > 0 { settings.maxBufferedBodyBytes = Int(clamping: n) } else {
                        context.error("value", "'max_buffered_bodies' of settings.http must be above zero", at: http.value("max_buffered_bodies")?.location)
                    }
                }
            case "store":
                if let url = reader.string("store") {
                    if url == "sqlite" { break }
                    if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") { settings.store = url } else {
                        context.error("value", "'store' is sqlite or a URL like postgres://user:password@host:5432/database?sslmode=require", at: pair.value.location)
                    }
                }
            case "subscriptions":
                guard let subs = reader.mapping("subscriptions", subject: "settings.subscriptions") else { break }
                subs.checkKeys(["file", "secrets", "sources", "allow_http", "allow_networks"])
                if let file = subs.string("file") {
                    if file.isEmpty || file.contains("/") || !ConfigFile.isRouteFile(file) {
                        context.error("value", "'file' of settings.subscriptions is a file name in the config directory ending in .yaml, found '\(file)'", at: subs.value("file")?.location)
                    } else {
                        settings.subscriptions.file = file
                    }
                }
                if let dir = subs.string("secrets") {
                    if dir.hasPrefix("/") { settings.subscriptions.secretsDirectory = dir } else {
                        context.error("value", "'secrets' of settings.subscriptions must be an absolute directory, found '\(dir)'", at: subs.value("secrets")?.location)
                    }
                }
                settings.subscriptions.sources = subs.strings("sources")?.map(\.0)
                var allowed: [CIDR] = []
                for (text, place) in subs.strings("allow_networks") ?? [] {
                    if let c = CIDR(text) { allowed.append(c) } else {
                        context.error("value", "'\(text)' in allow_networks of settings.subscriptions is not an address or CIDR range", at: place)
                    }
                }
                settings.subscriptions.outbound = OutboundPolicy(allowed: allowed, allowHTTP: subs.bool("allow_http") ?? false)
            default:
                break
            }
        }
        return settings
    }

    /// `HOST:PORT` with a port from 0 to 65535.
    func listenAddress(_ reader: MappingReader, _ key: String) -> String? {
        guard let text = reader.string(key) else { return nil }
        if ListenAddress(text) == nil {
            context.error("value", "'\(key)' must be HOST:PORT like 127.0.0.1:8080 or [::1]:8080, found '\(text)'", at: reader.value(key)?.location)
            return nil
        }
        return text
    }
}

/// `HOST:PORT`, `[v6]:PORT`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Loopback hosts: 127.0.0.0/8, ::1, localhost.
    public var isLoopback: Bool { Self.isLoopback(host: host) }

    public static func isLoopback(host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        if let v4 = IPAddress.parse(host), v4.count == 4 { return v4[0] == 127 }
        return false
    }
}
