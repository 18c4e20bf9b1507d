/// Compiles `when:` into a `Condition`: paths checked, operands typed, regexes compiled, once.
struct ConditionCompiler {
    let context: ConfigContext

    /// Keys a test condition may have (built once, not per condition).
    static let testKeys = ["path"] + Comparison.operatorNames + ["any", "all", "not"]

    /// A list means "all must hold".
    func compileList(_ node: YAMLNode, subject: String) -> Condition? {
        let items = node.sequence ?? [node]
        let compiled = items.compactMap { compile($0, subject: subject) }
        guard compiled.count == items.count else { return nil }
        return compiled.count == 1 ? compiled[0] : .all(compiled)
    }

    func compile(_ node: YAMLNode, subject: String) -> Condition? {
        guard let reader = MappingReader(node, subject: "a condition of \(subject)", context: context) else { return nil }
        for group in ["any", "all"] where reader.has(group) {
            reader.checkKeys([group])
            guard let list = reader.value(group), let items = list.sequence, !items.isEmpty else {
                context.error("type", "'\(group)' in \(subject) takes a non-empty list of conditions", at: reader.location(of: group))
                return nil
            }
            let compiled = items.compactMap { compile($0, subject: subject) }
            guard compiled.count == items.count else { return nil }
            return group == "any" ? .any(compiled) : .all(compiled)
        }
        if let inner = reader.value("not") {
            reader.checkKeys(["not"])
            return compile(inner, subject: subject).map { .not($0) }
        }
        reader.checkKeys(Self.testKeys)
        guard let pathNode = reader.value("path") else {
            context.error("missing-key", "a condition of \(subject) needs 'path' and one operator (\(Comparison.operatorNames.joined(separator: ", "))), or any/all/not", at: node.location)
            return nil
        }
        guard let pathText = reader.text(of: pathNode, what: "'path'") else { return nil }
        let path: EventPath
        switch EventPath.parse(pathText) {
        case .success(let p): path = p
        case .failure(let problem):
            context.error("path", problem.message, at: pathNode.location)
            return nil
        }
        let ops = reader.pairs.filter { $0.key != "path" && Comparison.operatorNames.contains($0.key) }
        guard ops.count == 1, let op = ops.first else {
            if ops.isEmpty, reader.pairs.allSatisfy({ $0.key == "path" }) {
                context.error("missing-key", "the condition on '\(pathText)' in \(subject) has no operator; add one of \(Comparison.operatorNames.joined(separator: ", "))", at: node.location)
            } else if ops.count > 1 {
                context.error("value", "the condition on '\(pathText)' in \(subject) has \(ops.count) operators; write one condition per operator", at: ops[1].keyLocation)
            }
            return nil
        }
        guard let comparison = comparison(op, path: pathText, subject: subject) else { return nil }
        return .test(path, comparison)
    }

    private func comparison(_ op: YAMLPair, path: String, subject: String) -> Comparison? {
        let v = op.value
        switch op.key {
        case "eq", "ne", "gt", "gte", "lt", "lte", "contains":
            guard let operand = scalar(v, op: op.key, subject: subject) else { return nil }
            switch op.key {
            case "eq": return .eq(operand)
            case "ne": return .ne(operand)
            case "gt": return .greater(operand, orEqual: false)
            case "gte": return .greater(operand, orEqual: true)
            case "lt": return .less(operand, orEqual: false)
            case "lte": return .less(operand, orEqual: true)
            default: return .contains(operand)
            }
        case "in", "not_in":
            guard let items = v.sequence else {
                context.error("type", "'\(op.key)' on '\(path)' takes a list like [a, b], found \(v.kindName)", at: v.location)
                return nil
            }
            let operands = items.compactMap { scalar($0, op: op.key, subject: subject) }
            guard operands.count == items.count else { return nil }
            return op.key == "in" ? .oneOf(operands) : .noneOf(operands)
        case "exists":
            guard let b = v.scalar?.boolValue else {
                context.error("type", "'exists' on '\(path)' takes true or false", at: v.location)
                return nil
            }
            return .exists(b)
        case "matches":
            guard let s = v.scalar, let pattern = context.expand(s.text, at: v.location) else {
                context.error("type", "'matches' on '\(path)' takes a regular expression as text", at: v.location)
                return nil
            }
            do {
                return .matches(try CompiledRegex(pattern))
            } catch {
                context.error("regex", "invalid regular expression '\(pattern)' on '\(path)': \(error)", at: v.location)
                return nil
            }
        default:
            return nil
        }
    }

    /// An operand: a scalar, typed as YAML reads it (`paid` text, `100` number, `true` bool), `${VAR}` expanded.
    private func scalar(_ v: YAMLNode, op: String, subject: String) -> JSONValue? {
        guard let s = v.scalar else {
            context.error("type", "'\(op)' in \(subject) takes a single value, found \(v.kindName)", at: v.location)
            return nil
        }
        guard case .string(let text) = s.jsonValue else { return s.jsonValue }
        return context.expand(text, at: v.location).map { .string($0) }
    }
}
