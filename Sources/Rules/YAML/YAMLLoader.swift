import CYAML

/// Loads one YAML file into `YAMLNode`s with 1-based positions, reporting problems as diagnostics.
///
/// Only one document per file. Aliases are expanded (bounded, so a "billion laughs" file fails
/// cleanly); duplicate keys are errors naming both places.
public struct YAMLLoader {
    /// Expanded nodes allowed per file; far above any real route file.
    public static let maxNodes = 200_000
    /// Nesting allowed per file, aliases included; real route files nest under 20. Deeper input would
    /// overflow the stack of this recursive loader (and of everything that walks the tree after it).
    public static let maxDepth = 128

    let file: String
    var diagnostics = Diagnostics()
    private var anchors: [String: YAMLNode] = [:]
    /// Height of each anchored node, so an alias is charged for the nesting it brings.
    private var anchorHeights: [String: Int] = [:]
    private var nodeCount = 0

    public init(file: String) {
        self.file = file
    }

    /// Parses `bytes`; returns the root node (nil for an empty file or a fatal syntax error).
    public static func load(_ bytes: [UInt8], file: String) -> (YAMLNode?, Diagnostics) {
        var loader = YAMLLoader(file: file)
        let root = loader.run(bytes)
        return (root, loader.diagnostics)
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private mutating func run(_ bytes: [UInt8]) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            diagnostics.error("yaml", "cannot initialise the YAML parser", at: SourceLocation(file: file, line: 1, column: 1))
            return nil
        }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var events = EventReader(parser: &parser)
            return self.parseStream(&events)
        }
    }

    private mutating func parseStream(_ events: inout EventReader) -> YAMLNode? {
        var root: YAMLNode?
        var documents = 0
        while true {
            guard let event = next(&events) else { return nil }
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return root
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                anchors = [:]
                anchorHeights = [:]
                guard let node = parseNode(&events, first: nil, depth: 1) else { return nil }
                if documents == 1 {
                    root = node
                } else {
                    diagnostics.error("yaml", "a route file holds one YAML document; move the document starting here to its own file", at: node.location)
                }
            default:
                continue  // STREAM_START, DOCUMENT_END
            }
        }
    }

    /// Reads the next event, turning a libyaml error into a diagnostic.
    private mutating func next(_ events: inout EventReader) -> YAMLEvent? {
        switch events.next() {
        case .success(let event): return event
        case .failure(let failure):
            let problem = failure.problem.isEmpty ? "invalid YAML" : failure.problem
            let context = failure.context.isEmpty ? "" : " \(failure.context)"
            diagnostics.error("yaml", "YAML syntax error: \(problem)\(context)", at: location(failure.mark))
            return nil
        }
    }

    /// `depth` is the nesting of the node to read, the document's root being 1.
    private mutating func parseNode(_ events: inout EventReader, first: YAMLEvent?, depth: Int) -> YAMLNode? {
        guard let event = first ?? next(&events) else { return nil }
        nodeCount += 1
        if nodeCount > Self.maxNodes {
            diagnostics.error("yaml", "the file expands to more than \(Self.maxNodes) nodes; remove recursive or repeated aliases", at: location(event.start))
            return nil
        }
        let here = location(event.start)
        if depth > Self.maxDepth {
            diagnostics.error("yaml", "the file nests deeper than \(Self.maxDepth) levels; flatten it", at: here)
            return nil
        }
        switch event.type {
        case YAML_ALIAS_EVENT:
            guard let node = anchors[event.anchor ?? ""] else {
                diagnostics.error("yaml", "unknown alias '*\(event.anchor ?? "")'; define the anchor '&\(event.anchor ?? "")' before using it", at: here)
                return YAMLNode(.scalar(YAMLScalar(text: "", isPlain: true)), at: here)
            }
            if depth - 1 + (anchorHeights[event.anchor ?? ""] ?? 1) > Self.maxDepth {
                diagnostics.error("yaml", "the file nests deeper than \(Self.maxDepth) levels once alias '*\(event.anchor ?? "")' is expanded; flatten it", at: here)
                return nil
            }
            nodeCount += node.weight
            if nodeCount > Self.maxNodes {
                diagnostics.error("yaml", "the file expands to more than \(Self.maxNodes) nodes; remove recursive or repeated aliases", at: here)
                return nil
            }
            return node
        case YAML_SCALAR_EVENT:
            let node = YAMLNode(.scalar(YAMLScalar(text: event.value, isPlain: event.plain)), at: here)
            remember(node, anchor: event.anchor)
            return node
        case YAML_SEQUENCE_START_EVENT:
            var items: [YAMLNode] = []
            while true {
                guard let item = next(&events) else { return nil }
                if item.type == YAML_SEQUENCE_END_EVENT { break }
                guard let node = parseNode(&events, first: item, depth: depth + 1) else { return nil }
                items.append(node)
            }
            let node = YAMLNode(.sequence(items), at: here)
            remember(node, anchor: event.anchor)
            return node
        case YAML_MAPPING_START_EVENT:
            var pairs: [YAMLPair] = []
            var seen = SeenKeys()
            while true {
                guard let keyEvent = next(&events) else { return nil }
                if keyEvent.type == YAML_MAPPING_END_EVENT { break }
                guard let keyNode = parseNode(&events, first: keyEvent, depth: depth + 1) else { return nil }
                guard let value = parseNode(&events, first: nil, depth: depth + 1) else { return nil }
                guard let key = keyNode.scalar?.text else {
                    diagnostics.error("yaml", "mapping keys must be plain text, not \(keyNode.kindName)", at: keyNode.location)
                    continue
                }
                if key == "<<" {
                    mergeKeys(from: value, into: &pairs, seen: &seen)
                    continue
                }
                if let earlier = seen.location(of: key, in: pairs) {
                    diagnostics.error("duplicate-key", "key '\(key)' appears twice in this mapping (first at \(earlier)); keep one", at: keyNode.location)
                    continue
                }
                pairs.append(YAMLPair(key: key, keyLocation: keyNode.location, value: value))
                seen.added(pairs)
            }
            let node = YAMLNode(.mapping(pairs), at: here)
            remember(node, anchor: event.anchor)
            return node
        default:
            diagnostics.error("yaml", "unexpected YAML structure", at: here)
            return nil
        }
    }

    /// `<<: *defaults` merges keys the mapping does not set itself.
    private mutating func mergeKeys(from value: YAMLNode, into pairs: inout [YAMLPair], seen: inout SeenKeys) {
        let sources = value.sequence ?? [value]
        for source in sources {
            guard let merged = source.mapping else {
                diagnostics.error("yaml", "'<<' merges mappings only, found \(source.kindName)", at: source.location)
                continue
            }
            for pair in merged where seen.location(of: pair.key, in: pairs) == nil {
                pairs.append(pair)
                seen.added(pairs)
            }
        }
    }

    private mutating func remember(_ node: YAMLNode, anchor: String?) {
        guard let anchor else { return }
        anchors[anchor] = node
        anchorHeights[anchor] = node.height
    }
}

extension YAMLNode {
    /// Levels of nesting, 1 for a scalar; bounded by `YAMLLoader.maxDepth` for loaded nodes.
    var height: Int {
        switch kind {
        case .scalar: return 1
        case .sequence(let items): return 1 + items.reduce(0) { max($0, $1.height) }
        case .mapping(let pairs): return 1 + pairs.reduce(0) { max($0, $1.value.height) }
        }
    }

    /// Node count, so alias expansion is charged for what it copies.
    var weight: Int {
        switch kind {
        case .scalar: return 1
        case .sequence(let items): return items.reduce(1) { $0 + $1.weight }
        case .mapping(let pairs): return pairs.reduce(1) { $0 + $1.value.weight + 1 }
        }
    }
}

/// The keys of a mapping being read, for duplicate checks: a scan of the pairs while the mapping is
/// small (nearly always), a hash index once it grows, so neither small nor huge mappings pay much.
struct SeenKeys {
    static let scanLimit = 16
    private var index: [String: SourceLocation]?

    func location(of key: String, in pairs: [YAMLPair]) -> SourceLocation? {
        if let index { return index[key] }
        let length = key.utf8.count
        for pair in pairs where pair.key.utf8.count == length && pair.key == key { return pair.keyLocation }
        return nil
    }

    /// Call after appending to `pairs`.
    mutating func added(_ pairs: [YAMLPair]) {
        if index != nil {
            index![pairs[pairs.count - 1].key] = pairs[pairs.count - 1].keyLocation
        } else if pairs.count > Self.scanLimit {
            var built: [String: SourceLocation] = [:]
            for pair in pairs where built[pair.key] == nil { built[pair.key] = pair.keyLocation }
            index = built
        }
    }
}

/// The parts of a libyaml event the loader needs, copied out so the C event can be freed at once.
struct YAMLEvent {
    let type: yaml_event_type_t
    let start: yaml_mark_t
    let anchor: String?
    let value: String
    let plain: Bool
}

struct ParseFailure: Error {
    let problem: String
    let context: String
    let mark: yaml_mark_t
}

/// Pulls events from a libyaml parser.
struct EventReader {
    private let parser: UnsafeMutablePointer<yaml_parser_t>

    init(parser: UnsafeMutablePointer<yaml_parser_t>) {
        self.parser = parser
    }

    func next() -> Result<YAMLEvent, ParseFailure> {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            let p = parser.pointee
            return .failure(ParseFailure(
                problem: p.problem.map { String(cString: $0) } ?? "",
                context: p.context.map { String(cString: $0) } ?? "",
                mark: p.problem_mark.line == 0 && p.problem_mark.column == 0 ? p.context_mark : p.problem_mark))
        }
        defer { yaml_event_delete(&event) }
        var anchor: String?
        var value = ""
        var plain = false
        switch event.type {
        case YAML_ALIAS_EVENT:
            anchor = event.data.alias.anchor.map { String(cString: $0) }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            anchor = s.anchor.map { String(cString: $0) }
            if let v = s.value {
                value = String(decoding: UnsafeBufferPointer(start: v, count: Int(s.length)), as: UTF8.self)
            }
            // A plain scalar without an explicit tag is typed (true, 12, null); quoted or tagged `!!str` is text.
            plain = s.style == YAML_PLAIN_SCALAR_STYLE && s.tag == nil
        case YAML_SEQUENCE_START_EVENT:
            anchor = event.data.sequence_start.anchor.map { String(cString: $0) }
        case YAML_MAPPING_START_EVENT:
            anchor = event.data.mapping_start.anchor.map { String(cString: $0) }
        default:
            break
        }
        return .success(YAMLEvent(type: event.type, start: event.start_mark, anchor: anchor, value: value, plain: plain))
    }
}
