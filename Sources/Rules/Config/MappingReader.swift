/// Typed, diagnosed access to one YAML mapping of the config (a source, a target, `settings`…).
///
/// Every getter reports a malformed value at its exact place and returns nil, so callers collect
/// all problems of a file in one pass.
public struct MappingReader {
    public let node: YAMLNode
    /// What the mapping is, for messages: "source 'shopify'".
    public let subject: String
    public let context: ConfigContext

    /// Nil (with a diagnostic) when `node` is not a mapping.
    public init?(_ node: YAMLNode, subject: String, context: ConfigContext) {
        guard node.mapping != nil else {
            context.error("type", "\(subject) must be a mapping of keys, found \(node.kindName)", at: node.location)
            return nil
        }
        self.node = node
        self.subject = subject
        self.context = context
    }

    public var pairs: [YAMLPair] { node.mapping ?? [] }

    public func has(_ key: String) -> Bool { node[key] != nil }
    public func value(_ key: String) -> YAMLNode? { node[key] }
    public var location: SourceLocation { node.location }

    /// Where `key` is written, else where the mapping starts.
    public func location(of key: String) -> SourceLocation {
        pairs.first { $0.key == key }?.keyLocation ?? node.location
    }

    /// Reports every key not in `allowed`, with a suggestion when one is close.
    public func checkKeys(_ allowed: [String]) {
        for pair in pairs where !allowed.contains(pair.key) {
            let hint = Suggestion.hint(for: pair.key, in: allowed)
            context.error("unknown-key", "unknown key '\(pair.key)' in \(subject)\(hint)", at: pair.keyLocation)
        }
    }

    /// Reports a missing required key at the mapping.
    public func require(_ key: String) -> YAMLNode? {
        if let v = node[key] { return v }
        context.error("missing-key", "\(subject) needs '\(key)'", at: node.location)
        return nil
    }

    // MARK: scalars

    /// A scalar as text with `${VAR}` expanded.
    public func string(_ key: String, required: Bool = false) -> String? {
        guard let v = required ? require(key) : node[key] else { return nil }
        return text(of: v, what: "'\(key)' of \(subject)")
    }

    /// Text of any scalar node with `${VAR}` expanded, or nil with a diagnostic.
    /// `what` names the value in the message and is only built when there is one.
    public func text(of v: YAMLNode, what: @autoclosure () -> String) -> String? {
        guard let s = v.scalar, !s.isNull || !s.isPlain else {
            context.error("type", "\(what()) must be text, found \(v.kindName)", at: v.location)
            return nil
        }
        return context.expand(s.text, at: v.location)
    }

    public func bool(_ key: String) -> Bool? {
        guard let v = node[key] else { return nil }
        if let b = v.scalar?.boolValue { return b }
        context.error("type", "'\(key)' of \(subject) must be true or false", at: v.location)
        return nil
    }

    public func int(_ key: String, range: ClosedRange<Int>) -> Int? {
        guard let v = node[key] else { return nil }
        guard let t = text(of: v, what: "'\(key)' of \(subject)") else { return nil }
        guard let n = Int(t), range.contains(n) else {
            context.error("value", "'\(key)' of \(subject) must be a whole number from \(range.lowerBound) to \(range.upperBound), found '\(t)'", at: v.location)
            return nil
        }
        return n
    }

    /// Milliseconds of a duration like `10s`.
    public func duration(_ key: String) -> Int64? {
        guard let v = node[key], let t = text(of: v, what: "'\(key)' of \(subject)") else { return nil }
        return duration(t, at: v.location, what: "'\(key)' of \(subject)")
    }

    public func duration(_ t: String, at location: SourceLocation, what: String) -> Int64? {
        if let ms = Units.durationMilliseconds(t) { return ms }
        context.error("value", "\(what) must be a duration like 250ms, 10s, 5m, 1h or 1d, found '\(t)'", at: location)
        return nil
    }

    public func size(_ key: String) -> Int64? {
        guard let v = node[key], let t = text(of: v, what: "'\(key)' of \(subject)") else { return nil }
        if let n = Units.sizeBytes(t) { return n }
        context.error("value", "'\(key)' of \(subject) must be a size like 512KiB or 1MiB, found '\(t)'", at: v.location)
        return nil
    }

    public func rate(_ key: String) -> Rate? {
        guard let v = node[key], let t = text(of: v, what: "'\(key)' of \(subject)") else { return nil }
        if let r = Units.rate(t) { return r }
        context.error("value", "'\(key)' of \(subject) must be a rate like 60/min or 10/s, found '\(t)'", at: v.location)
        return nil
    }

    /// One of `choices`, with a suggestion when the value is close to one.
    public func choice(_ key: String, _ choices: [String]) -> String? {
        guard let v = node[key], let t = text(of: v, what: "'\(key)' of \(subject)") else { return nil }
        if choices.contains(t) { return t }
        let hint = Suggestion.hint(for: t, in: choices)
        context.error("value", "'\(key)' of \(subject) must be one of \(choices.joined(separator: ", ")), found '\(t)'\(hint)", at: v.location)
        return nil
    }

    // MARK: lists and mappings

    /// A scalar or a list of scalars, as text.
    public func strings(_ key: String) -> [(String, SourceLocation)]? {
        guard let v = node[key] else { return nil }
        let items = v.sequence ?? [v]
        return items.compactMap { item in text(of: item, what: "an item of '\(key)' in \(subject)").map { ($0, item.location) } }
    }

    public func mapping(_ key: String, subject inner: String? = nil) -> MappingReader? {
        guard let v = node[key] else { return nil }
        return MappingReader(v, subject: inner ?? "'\(key)' of \(subject)", context: context)
    }

    // MARK: secrets

    /// A secret: text, `{file: /run/secrets/x}`, or (when `rotation`) a list of either, newest first.
    public func secrets(_ key: String, required: Bool = false) -> [Secret]? {
        guard let v = required ? require(key) : node[key] else { return nil }
        let items = v.sequence ?? [v]
        if items.isEmpty {
            context.error("value", "'\(key)' of \(subject) needs at least one secret", at: v.location)
            return nil
        }
        var out: [Secret] = []
        for item in items {
            guard let secret = secret(node: item, what: "'\(key)' of \(subject)") else { return nil }
            out.append(secret)
        }
        return out
    }

    public func secret(_ key: String, required: Bool = false) -> Secret? {
        guard let v = required ? require(key) : node[key] else { return nil }
        if v.sequence != nil {
            context.error("type", "'\(key)' of \(subject) takes one secret, not a list", at: v.location)
            return nil
        }
        return secret(node: v, what: "'\(key)' of \(subject)")
    }

    func secret(node v: YAMLNode, what: String) -> Secret? {
        if v.mapping != nil, let inner = MappingReader(v, subject: what, context: context) {
            inner.checkKeys(["file"])
            guard let path = inner.string("file") else { return nil }
            guard let bytes = context.environment.readFile(path) else {
                context.error("secret-file", "cannot read the secret file '\(path)' for \(what); check that it exists and is readable", at: v.location)
                return nil
            }
            var trimmed = bytes[...]
            while let last = trimmed.last, last == 0x0A || last == 0x0D { trimmed = trimmed.dropLast() }
            if trimmed.isEmpty {
                context.error("secret-file", "the secret file '\(path)' for \(what) is empty", at: v.location)
                return nil
            }
            return Secret(bytes: Array(trimmed))
        }
        guard let t = text(of: v, what: what) else { return nil }
        if t.isEmpty {
            context.error("value", "\(what) is empty; set the secret (an empty secret authenticates nothing)", at: v.location)
            return nil
        }
        return Secret(t)
    }
}
