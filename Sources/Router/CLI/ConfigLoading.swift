import Adapters
import Rules

/// Reads a config directory and compiles it: shared by `serve`, `check`, `test`, `explain` and reload.
enum ConfigLoading {
    struct Failure: Error {
        let message: String
    }

    /// The route files of `directory`, in byte order of name.
    static func files(in directory: String) throws(Failure) -> [ConfigFile] {
        guard FileSystem.isDirectory(directory) else {
            throw Failure(message: "config directory '\(directory)' does not exist or is not a directory; pass the directory holding your *.yaml route files")
        }
        guard let names = FileSystem.list(directory) else {
            throw Failure(message: "cannot list config directory '\(directory)'; check its permissions")
        }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var files: [ConfigFile] = []
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where ConfigFile.isRouteFile(name) {
            let path = prefix + name
            guard FileSystem.isRegularFile(path) else {
                // A route file linked to something not there (a mount not up yet, a file a deploy left
                // out) fails like an unreadable one: skipped, its routes would vanish in silence.
                if let target = FileSystem.danglingLinkTarget(path) {
                    throw Failure(message: "cannot read route file '\(path)': it is a symbolic link to '\(target)', which does not exist; mount or create it, or remove the link")
                }
                continue
            }
            guard let bytes = FileSystem.read(path) else {
                throw Failure(message: "cannot read route file '\(path)'; check its permissions")
            }
            files.append(ConfigFile(path: path, bytes: bytes))
        }
        return files
    }

    static var environment: ConfigEnvironment {
        ConfigEnvironment(variables: FileSystem.environment(), readFile: { FileSystem.read($0) })
    }

    static func compile(directory: String) throws(Failure) -> (RouteTable?, Diagnostics) {
        let files = try files(in: directory)
        return ConfigCompiler.compile(files, catalog: AdapterRegistry.catalog, environment: environment)
    }

    /// The table for a command that needs one. Diagnostics go to stderr (warnings only when
    /// `showWarnings`); nil, with a sentence saying what to do, when the directory does not compile.
    static func table(directory: String, command: String, showWarnings: Bool = true) -> RouteTable? {
        do {
            let (compiled, diagnostics) = try compile(directory: directory)
            if showWarnings || compiled == nil { Output.stderr(DiagnosticRenderer.text(diagnostics.sorted)) }
            guard let compiled else {
                let n = diagnostics.errors.count
                Output.stderr("hookrouter \(command): \(directory) has \(n) error\(n == 1 ? "" : "s"); fix them (see 'hookrouter check \(directory)').\n")
                return nil
            }
            return compiled
        } catch {
            Output.stderr("hookrouter \(command): \(error.message)\n")
            return nil
        }
    }
}
