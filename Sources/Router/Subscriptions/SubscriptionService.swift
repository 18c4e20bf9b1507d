import Adapters
import Rules
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Changes subscriptions by editing their file: read it, change its entries, check the whole config
/// with the candidate file (the same compiler as `check`), write it atomically, reload. One change at
/// a time; a file that changed since the caller's version, or since it was read, is a 409, so a hand
/// edit is never written over unseen.
final class SubscriptionService: Sendable {
    let configDirectory: String
    let reloader: Reloader
    let config: LiveConfig
    /// `<data>/secrets` unless settings say otherwise.
    let defaultSecretsDirectory: String
    private let serial = Mutex(())

    enum Failure: Error {
        case invalid(String, [Diagnostic])
        case notFound(String)
        case conflict(String)
        case unavailable(String)
    }

    /// The outcome of a change: the entry it made or changed (nil for a delete) and the file's new version.
    struct Change {
        let entry: JSONObject?
        let version: String
    }

    init(configDirectory: String, reloader: Reloader, config: LiveConfig, dataDirectory: String) {
        self.configDirectory = configDirectory
        self.reloader = reloader
        self.config = config
        defaultSecretsDirectory = dataDirectory + "/secrets"
    }

    var file: SubscriptionFile {
        SubscriptionFile(path: (configDirectory.hasSuffix("/") ? configDirectory : configDirectory + "/") + config.table.settings.subscriptions.file)
    }

    var secretsDirectory: String { config.table.settings.subscriptions.secretsDirectory ?? defaultSecretsDirectory }

    /// The file's version now (for `ETag`).
    func version() throws(Failure) -> String {
        do { return try file.read().version } catch { throw .unavailable(error.description) }
    }

    func create(_ fields: SubscriptionFields, ifMatch: String?) throws(Failure) -> Change {
        try change(ifMatch: ifMatch) { entries, secrets throws(Failure) in
            var id = ""
            repeat { id = "sub-" + Hex.encode(SecureRandom.bytes(5)) } while entries.contains { $0["id"]?.stringValue == id }
            let now = WallClock.now().rfc3339
            var entry = JSONObject([("id", .string(id))])
            try fields.apply(to: &entry, creating: true, secrets: secrets, id: id)
            entry["created"] = .string(now)
            entry["updated"] = .string(now)
            entries.append(entry)
            return entry
        }
    }

    func update(_ id: String, _ fields: SubscriptionFields, ifMatch: String?) throws(Failure) -> Change {
        try change(ifMatch: ifMatch) { entries, secrets throws(Failure) in
            guard let i = entries.firstIndex(where: { $0["id"]?.stringValue == id }) else { throw .notFound("no subscription '\(id)'") }
            var entry = entries[i]
            try fields.apply(to: &entry, creating: false, secrets: secrets, id: id)
            entry["updated"] = .string(WallClock.now().rfc3339)
            entries[i] = entry
            return entry
        }
    }

    func delete(_ id: String, ifMatch: String?) throws(Failure) -> Change {
        try change(ifMatch: ifMatch) { entries, secrets throws(Failure) in
            guard let i = entries.firstIndex(where: { $0["id"]?.stringValue == id }) else { throw .notFound("no subscription '\(id)'") }
            if let old = Self.secretPath(of: entries[i]) { secrets.retire(old) }
            entries.remove(at: i)
            return nil
        }
    }

    /// The file's entry for `id`, as written.
    func entry(_ id: String) throws(Failure) -> (JSONObject, String)? {
        let snapshot: SubscriptionFile.Snapshot
        do { snapshot = try file.read() } catch { throw .unavailable(error.description) }
        return snapshot.entries.first { $0["id"]?.stringValue == id }.map { ($0, snapshot.version) }
    }

    static func secretPath(of entry: JSONObject) -> String? {
        entry["secret"]?.objectValue?["file"]?.stringValue
    }

    private func change(ifMatch: String?, _ mutate: (inout [JSONObject], SecretFiles) throws(Failure) -> JSONObject?) throws(Failure) -> Change {
        try serial.withLock { _ throws(Failure) in
            let file = self.file
            let snapshot: SubscriptionFile.Snapshot
            do throws(SubscriptionFile.Problem) { snapshot = try file.read() } catch {
                if case .notOnlySubscriptions(let d) = error { throw .conflict(d) }
                throw .unavailable(error.description)
            }
            if let ifMatch, ifMatch != snapshot.version {
                throw .conflict("the subscriptions file changed since version \(ifMatch) (now \(snapshot.version)); read it again and retry")
            }
            let secrets = SecretFiles(directory: secretsDirectory)
            var entries = snapshot.entries
            let entry: JSONObject?
            do throws(Failure) { entry = try mutate(&entries, secrets) } catch {
                secrets.rollBack()
                throw error
            }
            let bytes = SubscriptionFile.render(entries)
            do throws(Failure) {
                try validate(bytes, at: file.path)
                // A hand edit since the read above would be lost by the rename: refuse instead.
                guard (try? file.read().version) == snapshot.version else {
                    throw Failure.conflict("the subscriptions file was edited while this change was checked; read it again and retry")
                }
                guard file.replace(with: bytes) else {
                    throw Failure.unavailable("cannot write '\(file.path)': \(String(cString: strerror(errno))); check the config directory is writable")
                }
            } catch {
                secrets.rollBack()
                throw error
            }
            secrets.commit()
            let (taken, diagnostics) = reloader.reload(reason: "subscriptions API")
            if !taken {
                Log.error("the subscriptions file was written but the reload was refused", ["diagnostics": DiagnosticRenderer.text(diagnostics)])
            }
            return Change(entry: entry, version: SubscriptionFile.version(of: bytes))
        }
    }

    /// The whole config directory with `bytes` as the subscriptions file compiles without errors.
    private func validate(_ bytes: [UInt8], at path: String) throws(Failure) {
        var files: [ConfigFile]
        do { files = try ConfigLoading.files(in: configDirectory) } catch { throw .unavailable(error.message) }
        files.removeAll { $0.path == path }
        files.append(ConfigFile(path: path, bytes: bytes))
        let (table, diagnostics) = ConfigCompiler.compile(files, catalog: AdapterRegistry.catalog, environment: ConfigLoading.environment)
        if table == nil {
            let errors = diagnostics.sorted.filter { $0.severity == .error }
            throw .invalid(errors.first.map { $0.message } ?? "the config does not compile", errors)
        }
    }
}

/// Secret files a change writes or retires: new ones are removed if the change fails, retired ones
/// only once it is written. Each secret gets a new file name, so the running config keeps reading the
/// old one until the reload.
final class SecretFiles {
    let directory: String
    private var written: [String] = []
    private var retired: [String] = []

    init(directory: String) { self.directory = directory }

    /// Writes a secret (mode 0600, in a 0700 directory); returns its path.
    func write(_ secret: String, id: String) throws(SubscriptionService.Failure) -> String {
        if !FileSystem.isDirectory(directory) {
            mkdir(directory, 0o700)
            guard FileSystem.isDirectory(directory) else {
                throw .unavailable("cannot create the secrets directory '\(directory)': \(String(cString: strerror(errno)))")
            }
        }
        let path = directory + "/" + id + "-" + Hex.encode(SecureRandom.bytes(4)) + ".secret"
        guard FileSystem.writeDurably(path, Array(secret.utf8), mode: 0o600) else {
            throw .unavailable("cannot write a secret file in '\(directory)': \(String(cString: strerror(errno)))")
        }
        written.append(path)
        return path
    }

    func retire(_ path: String) {
        if path.hasPrefix(directory + "/") { retired.append(path) }  // never delete a file the API did not write
    }

    func rollBack() {
        for p in written { unlink(p) }
        written = []
    }

    func commit() {
        for p in retired { unlink(p) }
        retired = []
    }
}
