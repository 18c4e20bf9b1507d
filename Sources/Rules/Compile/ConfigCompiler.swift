/// One route file's name (as shown in diagnostics) and bytes.
public struct ConfigFile: Sendable {
    public let path: String
    public let bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// Whether a directory entry is a route file: `*.yaml`/`*.yml`, not hidden, not an editor's temp file.
    public static func isRouteFile(_ name: String) -> Bool {
        guard !name.hasPrefix("."), !name.hasPrefix("#"), !name.hasSuffix("~"), !name.hasSuffix("#"),
              !name.hasSuffix(".swp"), !name.hasSuffix(".tmp") else { return false }
        return name.hasSuffix(".yaml") || name.hasSuffix(".yml")
    }

    /// The directory part of `path` (for `body_file:` relative to the route file).
    var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// Compiles route files into a `RouteTable`, collecting every diagnostic before failing.
public struct ConfigCompiler {
    public static let topLevelKeys = ["settings", "sources", "targets", "routes", "tests", "subscriptions"]

    let catalog: AdapterCatalog
    let context: ConfigContext

    public init(catalog: AdapterCatalog, environment: ConfigEnvironment) {
        self.catalog = catalog
        self.context = ConfigContext(environment: environment)
    }

    /// Files in byte order of name. The table is nil when any error was found.
    public static func compile(_ files: [ConfigFile], catalog: AdapterCatalog, environment: ConfigEnvironment) -> (RouteTable?, Diagnostics) {
        let compiler = ConfigCompiler(catalog: catalog, environment: environment)
        let table = compiler.run(files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) })
        let diagnostics = compiler.context.diagnostics
        return (diagnostics.hasErrors ? nil : table, diagnostics)
    }

    /// A named declaration found in some file, before compiling.
    struct Declaration {
        let name: String
        let nameLocation: SourceLocation
        let node: YAMLNode
        let file: ConfigFile
        /// A target from a subscription: its URL is untrusted (https, outbound policy).
        var guarded = false
    }

    struct Declarations {
        var settings: [(YAMLPair, ConfigFile)] = []
        var sources: [Declaration] = []
        var targets: [Declaration] = []
        var routes: [Declaration] = []
        var tests: [Declaration] = []
        var subscriptions: [Declaration] = []
    }

    func run(_ files: [ConfigFile]) -> RouteTable? {
        var declared = Declarations()
        for file in files {
            let (root, yamlDiagnostics) = YAMLLoader.load(file.bytes, file: file.path)
            context.diagnostics.append(contentsOf: yamlDiagnostics)
            guard let root, !(root.scalar?.isNull ?? false) else { continue }
            guard let top = MappingReader(root, subject: "the top level of \(file.path)", context: context) else { continue }
            top.checkKeys(Self.topLevelKeys)
            collect(top, file: file, into: &declared)
        }
        let settings = compileSettings(declared.settings)
        rejectDuplicates(declared.subscriptions, kind: "subscription")
        let subscriptions = desugarSubscriptions(unique(declared.subscriptions), settings: settings, declared: &declared)
        rejectDuplicates(declared.sources, kind: "source")
        rejectDuplicates(declared.targets, kind: "target")
        rejectDuplicates(declared.routes, kind: "route")
        rejectDuplicates(declared.tests, kind: "test")

        let targets = compileTargets(declared.targets, outbound: settings.subscriptions.outbound)
        let sources = compileSources(declared.sources)
        checkStreamPaths(targets: targets, sources: sources)
        let routes = compileRoutes(declared.routes, sources: sources, targets: targets, declared: declared)
        let tests = compileTests(declared.tests, sources: sources, targets: targets, declared: declared)
        warnAboutRoutes(routes, sources: sources)
        return RouteTable(settings: settings, sources: sources, targets: targets, routes: routes, tests: tests, subscriptions: subscriptions)
    }

    private func collect(_ top: MappingReader, file: ConfigFile, into declared: inout Declarations) {
        if let settings = top.mapping("settings", subject: "settings") {
            declared.settings += settings.pairs.map { ($0, file) }
        }
        for key in ["sources", "targets"] {
            guard let section = top.mapping(key, subject: "'\(key)'") else { continue }
            for pair in section.pairs {
                let d = Declaration(name: pair.key, nameLocation: pair.keyLocation, node: pair.value, file: file)
                if key == "sources" { declared.sources.append(d) } else { declared.targets.append(d) }
            }
        }
        for key in ["routes", "tests", "subscriptions"] {
            guard let section = top.value(key) else { continue }
            guard let items = section.sequence else {
                context.error("type", "'\(key)' must be a list (each item starts with '- name: …'), found \(section.kindName)", at: section.location)
                continue
            }
            for item in items {
                guard let reader = MappingReader(item, subject: "an item of '\(key)'", context: context) else { continue }
                let nameKey = key == "subscriptions" ? "id" : "name"
                guard let nameNode = reader.require(nameKey), let name = reader.text(of: nameNode, what: "'\(nameKey)'") else { continue }
                let d = Declaration(name: name, nameLocation: nameNode.location, node: item, file: file)
                switch key {
                case "routes": declared.routes.append(d)
                case "tests": declared.tests.append(d)
                default: declared.subscriptions.append(d)
                }
            }
        }
    }

    private func rejectDuplicates(_ declarations: [Declaration], kind: String) {
        var first: [String: SourceLocation] = [:]
        for d in declarations {
            if let earlier = first[d.name] {
                context.error("duplicate-name", "\(kind) '\(d.name)' is declared twice: here and at \(earlier); names of \(kind)s are global across files, rename one", at: d.nameLocation)
            } else {
                first[d.name] = d.nameLocation
            }
        }
    }

    /// The first declaration of each name, so a duplicate does not cascade into more errors.
    func unique(_ declarations: [Declaration]) -> [Declaration] {
        var seen = Set<String>()
        return declarations.filter { seen.insert($0.name).inserted }
    }
}
