extension ConfigCompiler {
    /// Keys every source takes, whatever its adapter.
    static let commonSourceKeys = ["adapter", "path", "by_events", "rate_limit", "max_body", "allow_ips", "require", "redact", "description"]

    func compileSources(_ declarations: [Declaration]) -> [Source] {
        var sources: [Source] = []
        var paths: [String: (String, SourceLocation)] = [:]
        for d in unique(declarations) {
            let subject = "source '\(d.name)'"
            guard let reader = MappingReader(d.node, subject: subject, context: context) else { continue }
            guard let adapterNode = reader.require("adapter"), let adapterName = reader.text(of: adapterNode, what: "'adapter' of \(subject)") else { continue }
            guard let kind = catalog.kinds[adapterName] else {
                let hint = Suggestion.hint(for: adapterName, in: catalog.names)
                context.error("unknown-adapter", "\(subject) uses unknown adapter '\(adapterName)'\(hint); adapters are \(catalog.names.joined(separator: ", "))", at: adapterNode.location)
                continue
            }
            reader.checkKeys(Self.commonSourceKeys + kind.configKeys)

            var path = reader.string("path", required: true)
            if let p = path {
                if !Self.isPlainPath(p) {
                    context.error("value", "'path' of \(subject) must start with '/' and hold no query, fragment or space, found '\(p)'", at: reader.value("path")?.location)
                    path = nil
                } else if let (other, place) = paths[p] {
                    context.error("duplicate-path", "\(subject) uses path '\(p)' already taken by source '\(other)' at \(place); paths are exact and unique", at: reader.value("path")?.location)
                } else {
                    paths[p] = (d.name, reader.location(of: "path"))
                }
            }
            if kind.isUnauthenticated {
                context.warning("unauthenticated", "\(subject) has no authentication (adapter '\(adapterName)'); anyone can post to \(path ?? "its path")", at: adapterNode.location)
            }

            let maxBody = reader.size("max_body").map { Int(clamping: $0) } ?? Source.defaultMaxBody
            if maxBody <= 0 {
                context.error("value", "'max_body' of \(subject) must be above zero", at: reader.value("max_body")?.location)
            }
            var allowIPs: [CIDR] = []
            for (text, place) in reader.strings("allow_ips") ?? [] {
                if let cidr = CIDR(text) { allowIPs.append(cidr) } else {
                    context.error("value", "'\(text)' in 'allow_ips' of \(subject) is not an address or network; write 10.0.0.0/8 or 2001:db8::/32", at: place)
                }
            }
            let require = compileRequire(reader, subject: subject, kind: kind)
            var redact = compilePathList(reader, key: "redact", subject: subject)

            guard let adapter = kind.make(reader, source: d.name), let path else { continue }
            for field in adapter.credentialFields {
                redact.append(EventPath(root: .data, path: FieldPath(segments: [.key("data")] + field.segments)))
            }
            sources.append(Source(
                name: d.name, index: sources.count, adapterName: adapterName, adapter: adapter, path: path,
                byEvents: reader.bool("by_events") ?? false, rateLimit: reader.rate("rate_limit"),
                maxBody: max(maxBody, 1), allowIPs: allowIPs, require: require, redact: redact, location: d.nameLocation))
        }
        return sources
    }

    /// `require: { TYPE: [path, …] }`; paths are relative to the provider's body (`account_id` is `data.account_id`).
    private func compileRequire(_ reader: MappingReader, subject: String, kind: any AdapterKind) -> [String: [EventPath]] {
        guard let require = reader.mapping("require", subject: "'require' of \(subject)") else { return [:] }
        var out: [String: [EventPath]] = [:]
        for pair in require.pairs {
            if !kind.eventTypes.isEmpty, !kind.eventTypes.contains(pair.key), !(kind.eventTypes.contains { Glob.matches(pattern: $0, text: pair.key) }) {
                let hint = kind.suggestion(forUnknownType: pair.key).map { " (did you mean '\($0)'?)" } ?? ""
                context.warning("unknown-event", "'require' of \(subject) names event type '\(pair.key)' that adapter '\(kind.name)' never produces\(hint)", at: pair.keyLocation)
            }
            let holder = MappingReader(YAMLNode(.mapping([pair]), at: pair.keyLocation), subject: "'require' of \(subject)", context: context)
            out[pair.key] = holder.map { compilePathList($0, key: pair.key, subject: subject) } ?? []
        }
        return out
    }

    /// A list of paths into the provider's body (always relative to `data`, so a body field that is itself
    /// called `data` or `type` is never ambiguous).
    func compilePathList(_ reader: MappingReader, key: String, subject: String) -> [EventPath] {
        var out: [EventPath] = []
        for (text, place) in reader.strings(key) ?? [] {
            let full = text.hasPrefix("[") ? "data" + text : "data." + text
            switch EventPath.parse(full) {
            case .success(let p): out.append(p)
            case .failure(let problem): context.error("path", "'\(key)' of \(subject): \(problem.message)", at: place)
            }
        }
        return out
    }
}
