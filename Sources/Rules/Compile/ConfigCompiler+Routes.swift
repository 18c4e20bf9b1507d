extension ConfigCompiler {
    static let routeKeys = ["name", "from", "events", "when", "to", "body", "template", "final", "priority", "description"]

    func compileRoutes(_ declarations: [Declaration], sources: [Source], targets: [Target], declared: Declarations) -> [Route] {
        let sourceIndex = Dictionary(sources.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
        let targetIndex = Dictionary(targets.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
        // Names declared but not compiled (because of their own errors) must not be reported as unknown again.
        let declaredSources = Set(declared.sources.map(\.name))
        let declaredTargets = Set(declared.targets.map(\.name))
        var routes: [Route] = []
        for d in unique(declarations) {
            let subject = "route '\(d.name)'"
            guard let reader = MappingReader(d.node, subject: subject, context: context) else { continue }
            reader.checkKeys(Self.routeKeys)

            let from = resolve(reader, key: "from", index: sourceIndex, declared: declaredSources) { name, hint in
                ("unknown-source", "\(subject) takes events from unknown source '\(name)'\(hint)")
            }
            let to = resolve(reader, key: "to", index: targetIndex, declared: declaredTargets) { name, hint in
                ("unknown-target", "\(subject) sends to unknown target '\(name)'\(hint)")
            }
            var ok = from != nil && to != nil
            if let to, to.isEmpty {
                context.error("value", "\(subject) sends to no target; list at least one in 'to'", at: reader.location(of: "to"))
                ok = false
            }

            let events = (reader.strings("events") ?? []).map { (EventPattern($0.0), $0.1) }
            for (pattern, place) in events {
                if pattern.text.isEmpty {
                    context.error("value", "\(subject) lists an empty event type", at: place)
                }
                warnIfNoSourceProduces(pattern, at: place, route: subject, from: (from ?? []).map { sources[$0] })
            }

            var condition: Condition?
            if let when = reader.value("when") {
                condition = ConditionCompiler(context: context).compileList(when, subject: subject)
            }

            let body = compileBody(reader, subject: subject)
            let final = reader.bool("final") ?? false
            let priority = reader.choice("priority", ["normal", "critical"]).flatMap(Priority.init(rawValue:)) ?? .normal
            if reader.has("priority"), let to, !to.contains(where: { targets[$0].stream != nil }) {
                context.warning("unused", "\(subject) has a 'priority', which only stream targets use, and sends to none", at: reader.location(of: "priority"))
            }
            guard ok, let from, let to, let body else { continue }
            routes.append(Route(name: d.name, index: routes.count, sources: from, events: events.map(\.0), condition: condition,
                                targets: to, body: body, final: final, priority: priority, location: d.nameLocation))
        }
        return routes
    }

    /// Names in `key` resolved to indices, without repeats; nil when the key is missing or a name is
    /// unknown. A name declared but not compiled (it had its own errors) is not reported again.
    private func resolve(_ reader: MappingReader, key: String, index: [String: Int], declared: Set<String>,
                         unknown: (String, String) -> (String, String)) -> [Int]? {
        guard reader.require(key) != nil else { return nil }
        var out: [Int] = []
        var ok = true
        for (name, place) in reader.strings(key) ?? [] {
            if let i = index[name] {
                if !out.contains(i) { out.append(i) }
                continue
            }
            ok = false
            if !declared.contains(name) {
                let (code, message) = unknown(name, Suggestion.hint(for: name, in: index.keys.sorted()))
                context.error(code, message, at: place)
            }
        }
        return ok ? out : nil
    }

    private func compileBody(_ reader: MappingReader, subject: String) -> BodyMode? {
        let mode = reader.has("body") ? reader.choice("body", ["raw", "event", "template"]) : "raw"
        let templateNode = reader.value("template")
        switch mode {
        case "template":
            guard let templateNode else {
                context.error("missing-key", "\(subject) has 'body: template' but no 'template:'; add the body to send", at: reader.location(of: "body"))
                return nil
            }
            return .template(Template.compile(templateNode, context: context))
        case "event", "raw":
            if let templateNode {
                context.warning("unused", "\(subject) has a 'template' but 'body: \(mode!)'; set 'body: template' to use it", at: templateNode.location)
            }
            return mode == "raw" ? .raw : .event
        default:
            return nil
        }
    }

    /// `check` warns about a route on a type no adapter of its sources produces (a typo, or Shopify's
    /// nonexistent `orders/refunded`).
    private func warnIfNoSourceProduces(_ pattern: EventPattern, at place: SourceLocation, route subject: String, from sources: [Source]) {
        var suggestions: [String] = []
        for source in sources {
            guard let kind = catalog.kinds[source.adapterName], !kind.eventTypes.isEmpty else { return }
            if kind.eventTypes.contains(where: { pattern.matches($0) || Glob.matches(pattern: $0, text: pattern.text) }) { return }
            if let s = kind.suggestion(forUnknownType: pattern.text) { suggestions.append(s) }
        }
        guard !sources.isEmpty else { return }
        let adapters = Set(sources.map(\.adapterName)).sorted().joined(separator: ", ")
        let hint = suggestions.first.map { " (did you mean '\($0)'?)" } ?? ""
        context.warning("unknown-event", "\(subject) can never match: adapter '\(adapters)' never produces event type '\(pattern.text)'\(hint)", at: place)
    }
}
