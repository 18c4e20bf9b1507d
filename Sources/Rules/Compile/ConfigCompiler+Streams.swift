extension ConfigCompiler {
    static let streamTargetKeys = ["stream", "description"]
    static let streamKeys = ["path", "group", "auth", "replay_window", "ping", "idle_timeout", "queue", "max_clients", "poll_timeout"]

    /// `targets: { ui: { stream: { path: /ws/stock, group: '${{ … }}', auth: { token_secret: … } } } }`.
    func compileStreamTarget(_ d: Declaration, reader: MappingReader, index: Int) -> Target? {
        let subject = "target '\(d.name)'"
        reader.checkKeys(Self.streamTargetKeys)
        guard let stream = reader.mapping("stream", subject: "'stream' of \(subject)") else { return nil }
        stream.checkKeys(Self.streamKeys)
        var path = stream.string("path", required: true)
        if let p = path, !Self.isPlainPath(p) {
            context.error("value", "'path' of the stream of \(subject) must start with '/' and hold no query, fragment or space, found '\(p)'", at: stream.value("path")?.location)
            path = nil
        }
        var group: Template?
        if let node = stream.value("group") {
            if let text = stream.text(of: node, what: "'group' of the stream of \(subject)") {
                group = Template.compileString(text, at: node.location, context: context)
            }
        }
        let auth = compileStreamAuth(stream, subject: subject)
        let ping = stream.duration("ping") ?? 30_000
        let defaults = StreamSettings(path: "", group: nil, auth: StreamSettings.Auth(tokenSecrets: [], bearerTokens: [], open: false))
        let idle = stream.duration("idle_timeout") ?? max(defaults.idleTimeoutMilliseconds, ping * 2 + 15_000)
        if idle <= ping {
            context.error("value", "'idle_timeout' of the stream of \(subject) must be longer than 'ping', or every client is closed before its pong", at: stream.value("idle_timeout")?.location)
        }
        let window = stream.duration("replay_window") ?? defaults.replayWindowMilliseconds
        guard let path, let auth else { return nil }
        let settings = StreamSettings(path: path, group: group, auth: auth, replayWindowMilliseconds: window,
                                      pingMilliseconds: max(ping, 1_000), idleTimeoutMilliseconds: idle,
                                      queueMessages: stream.int("queue", range: 1...100_000) ?? defaults.queueMessages,
                                      maxClients: stream.int("max_clients", range: 1...1_000_000) ?? defaults.maxClients,
                                      pollMilliseconds: max(stream.duration("poll_timeout") ?? defaults.pollMilliseconds, 1))
        return Target(name: d.name, index: index, url: "", method: "GET", timeoutMilliseconds: 1, headers: [], sign: nil, retry: .schedule([]),
                      concurrency: 1, rateLimit: nil, circuit: CircuitSettings(), stream: settings, guarded: false, location: d.nameLocation)
    }

    /// `auth: none`, or `{ token_secret: <secret or list>, bearer: <secret or list> }` (one at least).
    private func compileStreamAuth(_ stream: MappingReader, subject: String) -> StreamSettings.Auth? {
        guard let node = stream.require("auth") else { return nil }
        if let s = node.scalar {
            guard s.text == "none" else {
                context.error("value", "'auth' of the stream of \(subject) is 'none' or a mapping with 'token_secret' and/or 'bearer', found '\(s.text)'", at: node.location)
                return nil
            }
            context.warning("unauthenticated", "the stream of \(subject) has 'auth: none'; anyone who reaches the listener can read its events", at: node.location)
            return StreamSettings.Auth(tokenSecrets: [], bearerTokens: [], open: true)
        }
        guard let auth = MappingReader(node, subject: "'auth' of the stream of \(subject)", context: context) else { return nil }
        auth.checkKeys(["token_secret", "bearer"])
        let secrets = auth.secrets("token_secret") ?? []
        let bearers = auth.secrets("bearer") ?? []
        if !auth.has("token_secret") && !auth.has("bearer") {
            context.error("missing-key", "'auth' of the stream of \(subject) needs 'token_secret' (tokens your backend mints) or 'bearer' (a static token), or write 'auth: none'", at: node.location)
            return nil
        }
        for s in secrets where s.bytes.count < 32 {
            context.warning("weak-secret", "a 'token_secret' of the stream of \(subject) is shorter than 32 bytes; tokens signed with it can be guessed offline", at: auth.value("token_secret")?.location)
            break
        }
        return StreamSettings.Auth(tokenSecrets: secrets, bearerTokens: bearers, open: false)
    }

    /// A request path: starts with '/', no query, fragment or space.
    static func isPlainPath(_ p: String) -> Bool {
        p.hasPrefix("/") && !p.contains("?") && !p.contains("#") && !p.contains(" ")
    }

    /// Stream paths are served beside the sources' on the ingest listener: none may take another's.
    func checkStreamPaths(targets: [Target], sources: [Source]) {
        var taken: [String: String] = ["/healthz": "the health check"]
        for s in sources { taken[s.path] = "source '\(s.name)'" }
        for t in targets {
            guard let stream = t.stream else { continue }
            if let owner = taken[stream.path] {
                context.error("duplicate-path", "the stream of target '\(t.name)' uses path '\(stream.path)' already taken by \(owner); paths are exact and unique", at: t.location)
            } else if let s = sources.first(where: { $0.byEvents && stream.path.hasPrefix($0.path + "/") }) {
                context.error("duplicate-path", "the stream of target '\(t.name)' uses path '\(stream.path)' under source '\(s.name)', which takes '\(s.path)/<event>' (by_events)", at: t.location)
            } else {
                taken[stream.path] = "the stream of target '\(t.name)'"
            }
        }
    }
}
