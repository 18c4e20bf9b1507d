/// A compiled `template:` body (SPEC §5.2).
///
/// A string that is exactly `${{ path }}` becomes the value at that path with its JSON type kept;
/// `${{ path }}` inside longer text is interpolated as text.
public indirect enum Template: Sendable {
    case literal(JSONValue)
    case value(EventPath)
    case text([Piece])
    case array([Template])
    case object([(String, Template)])

    public enum Piece: Sendable {
        case text(String)
        case path(EventPath)
    }

    /// Compiles a YAML value; every bad path is reported with its place.
    public static func compile(_ node: YAMLNode, context: ConfigContext) -> Template {
        switch node.kind {
        case .scalar(let s):
            guard case .string(let raw) = s.jsonValue else { return .literal(s.jsonValue) }
            let text = context.expand(raw, at: node.location) ?? raw
            guard text.contains("${{") else { return .literal(.string(text)) }
            return compileString(text, at: node.location, context: context)
        case .sequence(let items):
            return .array(items.map { compile($0, context: context) })
        case .mapping(let pairs):
            return .object(pairs.map { ($0.key, compile($0.value, context: context)) })
        }
    }

    static func compileString(_ text: String, at location: SourceLocation, context: ConfigContext) -> Template {
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "${{") {
            if open.lowerBound > rest.startIndex { pieces.append(.text(String(rest[..<open.lowerBound]))) }
            let after = rest[open.upperBound...]
            guard let close = after.firstRange(of: "}}") else {
                context.error("template", "unclosed '${{' in template text '\(text)'; close it with '}}'", at: location)
                return .literal(.string(text))
            }
            let expression = String(after[..<close.lowerBound].trimmingSpaces)
            switch EventPath.parse(expression) {
            case .success(let path): pieces.append(.path(path))
            case .failure(let problem): context.error("template", "template: \(problem.message)", at: location)
            }
            rest = after[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        if pieces.count == 1, case .path(let p) = pieces[0] { return .value(p) }
        return .text(pieces)
    }

    /// The body for one event. An absent path renders as `null`, or as nothing inside text.
    public func render(_ event: Event) -> JSONValue {
        switch self {
        case .literal(let v): return v
        case .value(let path): return Self.resolve(path, in: event) ?? .null
        case .text(let pieces):
            var out = ""
            for piece in pieces {
                switch piece {
                case .text(let t): out += t
                case .path(let p):
                    switch Self.resolve(p, in: event) {
                    case .string(let s)?: out += s
                    case .null?, nil: break
                    case let v?: out += v.serialized
                    }
                }
            }
            return .string(out)
        case .array(let items): return .array(items.map { $0.render(event) })
        case .object(let pairs): return .object(JSONObject(pairs.map { ($0.0, $0.1.render(event)) }))
        }
    }

    /// A path's value; with `[*]`, the array of every reached value.
    static func resolve(_ path: EventPath, in event: Event) -> JSONValue? {
        if path.path.hasWildcard {
            var values: [JSONValue] = []
            path.forEachValue(in: event) { values.append($0); return true }
            return .array(values)
        }
        return path.firstValue(in: event)
    }
}
