extension ConfigCompiler {
    static let subscriptionKeys = ["id", "name", "url", "from", "events", "when", "active", "secret", "timeout", "retry_count",
                                   "headers", "body", "template", "created", "updated", "description"]

    /// Each `subscriptions:` entry becomes a target declaration (marked untrusted: https and the
    /// outbound policy apply) and, when active, a route declaration, written as if by hand, so they
    /// are checked by the same compiler with diagnostics at the entry's own lines.
    func desugarSubscriptions(_ entries: [Declaration], settings: Settings, declared: inout Declarations) -> [Subscription] {
        var out: [Subscription] = []
        let allSources = declared.sources.map(\.name)
        for d in entries {
            let subject = "subscription '\(d.name)'"
            guard let reader = MappingReader(d.node, subject: subject, context: context) else { continue }
            reader.checkKeys(Self.subscriptionKeys)
            guard Self.isSubscriptionID(d.name) else {
                context.error("value", "the id of \(subject) must be 1 to 64 of a-z, 0-9 and '-', starting with a letter", at: d.nameLocation)
                continue
            }
            guard let name = reader.string("name", required: true), let urlNode = reader.require("url"),
                  let events = reader.require("events") else { continue }
            let active = reader.bool("active") ?? true
            let here = d.nameLocation
            func scalar(_ text: String) -> YAMLNode { YAMLNode(.scalar(YAMLScalar(text: text, isPlain: false)), at: here) }
            func pair(_ key: String, _ value: YAMLNode) -> YAMLPair { YAMLPair(key: key, keyLocation: value.location, value: value) }

            // The target: url, timeout (30 s as the fiscal system's API), retries, headers, signing.
            var target = [pair("url", urlNode), pair("timeout", reader.value("timeout") ?? scalar("30s")),
                          pair("description", scalar("subscription '\(name)'"))]
            let retryCount = reader.int("retry_count", range: 0...99) ?? 3
            target.append(pair("retry", YAMLNode(.mapping([pair("attempts", YAMLNode(.scalar(YAMLScalar(text: String(retryCount + 1), isPlain: true)), at: here))]), at: here)))
            if let headers = reader.value("headers") { target.append(pair("headers", headers)) }
            if let secret = reader.value("secret") {
                target.append(pair("sign", YAMLNode(.mapping([pair("scheme", scalar("hmac-sha256")), pair("secret", secret)]), at: secret.location)))
            }
            var targetDecl = Declaration(name: d.name, nameLocation: here, node: YAMLNode(.mapping(target), at: d.node.location), file: d.file)
            targetDecl.guarded = true
            declared.targets.append(targetDecl)

            // The route: from the listed sources (or the default ones), the events, the condition.
            let sources = reader.strings("from")?.map(\.0) ?? settings.subscriptions.sources ?? allSources
            if active {
                var route = [pair("name", scalar(d.name)),
                             pair("from", reader.value("from") ?? YAMLNode(.sequence(sources.map(scalar)), at: here)),
                             pair("events", events), pair("to", YAMLNode(.sequence([scalar(d.name)]), at: here))]
                for key in ["when", "body", "template"] { if let v = reader.value(key) { route.append(pair(key, v)) } }
                declared.routes.append(Declaration(name: d.name, nameLocation: here, node: YAMLNode(.mapping(route), at: d.node.location), file: d.file))
            }
            let url = reader.text(of: urlNode, what: "'url' of \(subject)") ?? ""
            out.append(Subscription(id: d.name, name: name, url: url, sources: sources, events: reader.strings("events")?.map(\.0) ?? [],
                                    active: active, hasSecret: reader.has("secret"), timeoutMilliseconds: reader.duration("timeout") ?? 30_000,
                                    retryCount: retryCount, headerNames: reader.mapping("headers", subject: "'headers' of \(subject)")?.pairs.map(\.key) ?? [],
                                    created: reader.string("created"), updated: reader.string("updated"), location: here))
        }
        return out
    }

    static func isSubscriptionID(_ id: String) -> Bool {
        guard let first = id.utf8.first, first >= 0x61, first <= 0x7A, id.utf8.count <= 64 else { return false }
        return id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    /// An untrusted (subscription) target's URL: https unless allowed, and not a literal address the
    /// outbound policy refuses (names are checked at connect time, after DNS).
    func checkGuardedURL(_ url: String, host: String, policy: OutboundPolicy, subject: String, at place: SourceLocation?) {
        if !url.lowercased().hasPrefix("https://"), !policy.allowHTTP {
            context.error("insecure-url", "\(subject) must use https:// (its URL is untrusted); settings.subscriptions.allow_http allows plain http", at: place)
        }
        if let address = IPAddress.parse(host), let why = policy.refusal(address) {
            context.error("blocked-address", "\(subject) may not send there: \(why); settings.subscriptions.allow_networks can allow it", at: place)
        }
        if host.lowercased() == "localhost" || host.lowercased().hasSuffix(".localhost") {
            context.error("blocked-address", "\(subject) may not send to '\(host)' (this machine); settings.subscriptions.allow_networks cannot allow a name, use its address", at: place)
        }
    }
}
