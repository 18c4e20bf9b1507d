extension ConfigCompiler {
    static let targetKeys = ["url", "method", "timeout", "headers", "sign", "retry", "concurrency", "rate_limit", "circuit", "description"]
    /// Headers hookrouter sets itself; a target may not override them.
    static let reservedHeaders = ["content-length", "transfer-encoding", "host", "x-hookrouter-event-id", "x-hookrouter-event-type",
                                  "x-hookrouter-delivery-id", "x-hookrouter-attempt", "x-webhook-signature", "webhook-id",
                                  "webhook-timestamp", "webhook-signature"]

    func compileTargets(_ declarations: [Declaration], outbound: OutboundPolicy) -> [Target] {
        var targets: [Target] = []
        for d in unique(declarations) {
            let subject = "target '\(d.name)'"
            guard let reader = MappingReader(d.node, subject: subject, context: context) else { continue }
            if reader.has("stream") {
                if let t = compileStreamTarget(d, reader: reader, index: targets.count) { targets.append(t) }
                continue
            }
            reader.checkKeys(Self.targetKeys)
            let url = reader.string("url", required: true).flatMap {
                checkURL($0, reader: reader, subject: d.guarded ? "subscription '\(d.name)'" : subject, guarded: d.guarded ? outbound : nil)
            }
            let method = reader.choice("method", ["POST", "PUT", "PATCH"]) ?? "POST"
            let timeout = reader.duration("timeout") ?? 10_000
            if timeout == 0 { context.error("value", "'timeout' of \(subject) must be above zero", at: reader.value("timeout")?.location) }
            var headers: [HTTPField] = []
            if let h = reader.mapping("headers", subject: "'headers' of \(subject)") {
                for pair in h.pairs {
                    if Self.reservedHeaders.contains(pair.key.lowercased()) {
                        context.error("reserved-header", "header '\(pair.key)' of \(subject) is set by hookrouter itself; remove it", at: pair.keyLocation)
                    } else if !HTTPToken.isValid(pair.key) {
                        context.error("value", "'\(pair.key)' is not a valid header name", at: pair.keyLocation)
                    } else if let value = h.text(of: pair.value, what: "header '\(pair.key)' of \(subject)") {
                        if value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
                            context.error("value", "header '\(pair.key)' of \(subject) holds a line break; remove it", at: pair.value.location)
                        } else {
                            headers.append(HTTPField(pair.key, value))
                        }
                    }
                }
            }
            let sign = compileSigning(reader, subject: subject)
            let retry = compileRetry(reader, subject: subject)
            let concurrency = reader.int("concurrency", range: 1...1024) ?? 8
            guard let url else { continue }
            targets.append(Target(name: d.name, index: targets.count, url: url, method: method, timeoutMilliseconds: max(timeout, 1),
                                  headers: headers, sign: sign, retry: retry, concurrency: concurrency,
                                  rateLimit: reader.rate("rate_limit"), circuit: compileCircuit(reader, subject: subject),
                                  stream: nil, guarded: d.guarded, location: d.nameLocation))
        }
        return targets
    }

    /// `circuit: { failures: 5, open_for: 30s }`: when the breaker opens and how long it waits to probe.
    private func compileCircuit(_ reader: MappingReader, subject: String) -> CircuitSettings {
        var settings = CircuitSettings()
        guard let circuit = reader.mapping("circuit", subject: "'circuit' of \(subject)") else { return settings }
        circuit.checkKeys(["failures", "open_for"])
        if let n = circuit.int("failures", range: 1...10_000) { settings.failures = n }
        if let ms = circuit.duration("open_for") { settings.openMilliseconds = max(ms, 1) }
        return settings
    }

    private func checkURL(_ url: String, reader: MappingReader, subject: String, guarded: OutboundPolicy?) -> String? {
        let place = reader.value("url")?.location
        let lower = url.lowercased()
        let scheme = lower.hasPrefix("https://") ? "https" : lower.hasPrefix("http://") ? "http" : nil
        guard let scheme else {
            context.error("value", "'url' of \(subject) must start with http:// or https://, found '\(url)'", at: place)
            return nil
        }
        let rest = url.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        var host = hostPort
        if host.hasPrefix("[") {
            host = String(host.dropFirst().prefix { $0 != "]" })
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        guard !host.isEmpty, !url.contains(" ") else {
            context.error("value", "'url' of \(subject) has no host or holds a space: '\(url)'", at: place)
            return nil
        }
        if let guarded {
            checkGuardedURL(url, host: host, policy: guarded, subject: subject, at: place)
        } else if scheme == "http", !ListenAddress.isLoopback(host: host) {
            context.warning("plain-http", "\(subject) sends to '\(host)' over plain http://; events and signatures cross the network unencrypted, use https://", at: place)
        }
        return url
    }

    private func compileSigning(_ reader: MappingReader, subject: String) -> Target.Signing? {
        guard let sign = reader.mapping("sign", subject: "'sign' of \(subject)") else { return nil }
        sign.checkKeys(["scheme", "secret"])
        guard let scheme = sign.choice("scheme", ["hmac-sha256", "standard-webhooks"]) else {
            if !sign.has("scheme") { context.error("missing-key", "'sign' of \(subject) needs 'scheme: hmac-sha256' or 'scheme: standard-webhooks'", at: sign.location) }
            return nil
        }
        guard let secret = sign.secret("secret", required: true) else { return nil }
        switch scheme {
        case "hmac-sha256":
            return .hmacSHA256(secret)
        default:
            // Standard Webhooks keys are `whsec_` + base64; the bytes after decoding are the HMAC key.
            var text = secret.text
            if text.hasPrefix("whsec_") { text.removeFirst(6) }
            guard let key = Base64Decoding.decode(text), !key.isEmpty else {
                context.error("value", "the standard-webhooks secret of \(subject) must be 'whsec_' followed by base64", at: sign.value("secret")?.location)
                return nil
            }
            return .standardWebhooks(key: key)
        }
    }

    private func compileRetry(_ reader: MappingReader, subject: String) -> RetryPolicy {
        guard let retry = reader.mapping("retry", subject: "'retry' of \(subject)") else { return .default }
        retry.checkKeys(["schedule", "attempts", "backoff", "max"])
        if retry.has("schedule") {
            if retry.has("attempts") || retry.has("backoff") || retry.has("max") {
                context.error("value", "'retry' of \(subject) takes either 'schedule' or 'attempts'/'backoff'/'max', not both", at: retry.location)
            }
            var waits: [Int64] = []
            for (text, place) in retry.strings("schedule") ?? [] {
                if let ms = retry.duration(text, at: place, what: "an item of 'schedule' in \(subject)") { waits.append(ms) }
            }
            return .schedule(waits)
        }
        guard case .exponential(let attempts, let initial, let cap) = RetryPolicy.default else { return .default }
        let a = retry.int("attempts", range: 1...100) ?? attempts
        let b = retry.duration("backoff") ?? initial
        let m = retry.duration("max") ?? max(cap, b)
        if m < b {
            context.error("value", "'max' of 'retry' in \(subject) is shorter than 'backoff'", at: retry.value("max")?.location)
        }
        return .exponential(attempts: a, initialMilliseconds: b, maxMilliseconds: max(m, b))
    }
}

/// RFC 9110 token characters (header names, methods).
public enum HTTPToken {
    public static func isValid(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || "!#$%&'*+-.^_`|~".utf8.contains(c)
        }
    }
}

/// Base64 for config values (Rules does not link the crypto module).
enum Base64Decoding {
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        var padding = 0
        for c in text.utf8 {
            let v: UInt8
            switch c {
            case 0x41...0x5A: v = c - 0x41
            case 0x61...0x7A: v = c - 0x61 + 26
            case 0x30...0x39: v = c - 0x30 + 52
            case 0x2B, 0x2D: v = 62
            case 0x2F, 0x5F: v = 63
            case 0x3D: padding += 1; continue
            default: return nil
            }
            if padding > 0 { return nil }
            buffer = buffer << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        return padding <= 2 ? out : nil
    }
}
