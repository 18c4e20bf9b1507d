extension ConfigCompiler {
    static let testKeys = ["name", "source", "headers", "body", "body_file", "path_suffix", "expect"]
    static let expectKeys = ["targets", "not_targets", "type", "rejected", "status"]

    func compileTests(_ declarations: [Declaration], sources: [Source], targets: [Target], declared: Declarations) -> [TestCase] {
        let sourceIndex = Dictionary(sources.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
        let targetNames = Set(targets.map(\.name))
        let declaredSources = Set(declared.sources.map(\.name))
        var tests: [TestCase] = []
        for d in unique(declarations) {
            let subject = "test '\(d.name)'"
            guard let reader = MappingReader(d.node, subject: subject, context: context) else { continue }
            reader.checkKeys(Self.testKeys)
            var source: Int?
            if let name = reader.string("source", required: true) {
                source = sourceIndex[name]
                if source == nil, !declaredSources.contains(name) {
                    let hint = Suggestion.hint(for: name, in: sourceIndex.keys.sorted())
                    context.error("unknown-source", "\(subject) posts to unknown source '\(name)'\(hint)", at: reader.value("source")?.location)
                }
            }
            var headers: [HTTPField] = []
            if let h = reader.mapping("headers", subject: "'headers' of \(subject)") {
                for pair in h.pairs {
                    if let value = h.text(of: pair.value, what: "header '\(pair.key)'") { headers.append(HTTPField(pair.key, value)) }
                }
            }
            let body = testBody(reader, subject: subject, file: d.file)

            var expectTargets: [String] = [], notTargets: [String] = []
            var expectType: String?
            var rejected = false
        var status: Int?
            if let expect = reader.mapping("expect", subject: "'expect' of \(subject)") {
                expect.checkKeys(Self.expectKeys)
                for key in ["targets", "not_targets"] {
                    for (name, place) in expect.strings(key) ?? [] {
                        if !targetNames.contains(name), !declared.targets.contains(where: { $0.name == name }) {
                            let hint = Suggestion.hint(for: name, in: targetNames.sorted())
                            context.error("unknown-target", "\(subject) expects unknown target '\(name)'\(hint)", at: place)
                        }
                        if key == "targets" { expectTargets.append(name) } else { notTargets.append(name) }
                    }
                }
                expectType = expect.string("type")
                status = expect.int("status", range: 400...599)
                rejected = expect.bool("rejected") ?? (status != nil)
            } else {
                context.error("missing-key", "\(subject) needs 'expect' with 'targets', 'not_targets', 'type' or 'rejected'", at: d.nameLocation)
            }
            guard let source, let body else { continue }
            tests.append(TestCase(name: d.name, source: source, headers: headers, body: body, pathSuffix: reader.string("path_suffix"),
                                  expectTargets: expectTargets, expectNotTargets: notTargets, expectType: expectType,
                                  expectRejected: rejected, expectStatus: status, location: d.nameLocation))
        }
        return tests
    }

    /// `body: {...}` (serialised compactly) or `body_file:` relative to the route file, bytes kept exactly.
    private func testBody(_ reader: MappingReader, subject: String, file: ConfigFile) -> [UInt8]? {
        switch (reader.value("body"), reader.string("body_file")) {
        case (let node?, nil):
            if case .scalar(let s) = node.kind, case .string(let text) = s.jsonValue { return Array(text.utf8) }
            return Array(node.jsonValue.serialized.utf8)
        case (nil, let path?):
            let full = path.hasPrefix("/") ? path : file.directory + "/" + path
            guard let bytes = context.environment.readFile(full) else {
                context.error("body-file", "cannot read 'body_file' '\(path)' of \(subject) (looked at \(full))", at: reader.value("body_file")?.location)
                return nil
            }
            return bytes
        case (nil, nil):
            context.error("missing-key", "\(subject) needs 'body' or 'body_file'", at: reader.location)
            return nil
        case (_?, _?):
            context.error("value", "\(subject) has both 'body' and 'body_file'; keep one", at: reader.location(of: "body_file"))
            return nil
        }
    }
}
