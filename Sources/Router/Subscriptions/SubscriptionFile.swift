import Adapters
import Rules

/// The one route file the subscriptions API owns (`settings.subscriptions.file`): read as its
/// entries, rendered back as YAML, replaced atomically. Its version (the ETag) is the SHA-256 of its
/// bytes, so any change — the API's or a hand edit — is a new version.
struct SubscriptionFile {
    let path: String

    /// The file as read: its bytes' version and its `subscriptions:` entries as declared (raw text:
    /// `${VAR}` unexpanded, `{file: …}` secrets as references).
    struct Snapshot {
        let version: String
        let entries: [JSONObject]
    }

    enum Problem: Error, CustomStringConvertible {
        case unreadable(String)
        /// Hand-written content the API would lose by rewriting: refused, never dropped.
        case notOnlySubscriptions(String)

        var description: String {
            switch self {
            case .unreadable(let d): return d
            case .notOnlySubscriptions(let d): return d
            }
        }
    }

    /// The version of a file that does not exist yet.
    static let absentVersion = "absent"

    func read() throws(Problem) -> Snapshot {
        guard FileSystem.isRegularFile(path) else {
            if FileSystem.exists(path) { throw .unreadable("'\(path)' is not a regular file") }
            return Snapshot(version: Self.absentVersion, entries: [])
        }
        guard let bytes = FileSystem.read(path) else { throw .unreadable("cannot read '\(path)'; check its permissions") }
        let version = Self.version(of: bytes)
        let (root, diagnostics) = YAMLLoader.load(bytes, file: path)
        if diagnostics.hasErrors {
            throw .unreadable("'\(path)' is not valid YAML: \(diagnostics.sorted.first.map(\.description) ?? "")")
        }
        guard let root, !(root.scalar?.isNull ?? false) else { return Snapshot(version: version, entries: []) }
        guard let pairs = root.mapping else { throw .notOnlySubscriptions("'\(path)' must be a mapping with only 'subscriptions:'") }
        if let other = pairs.first(where: { $0.key != "subscriptions" }) {
            throw .notOnlySubscriptions("'\(path)' holds '\(other.key):', which the subscriptions API would drop when it rewrites the file; move it to another file")
        }
        guard let list = pairs.first?.value else { return Snapshot(version: version, entries: []) }
        if list.scalar?.isNull ?? false { return Snapshot(version: version, entries: []) }
        guard let items = list.sequence else { throw .notOnlySubscriptions("'subscriptions' in '\(path)' must be a list") }
        var entries: [JSONObject] = []
        for item in items {
            guard case .object(let o) = item.jsonValue else { throw .notOnlySubscriptions("every item of 'subscriptions' in '\(path)' must be a mapping") }
            entries.append(o)
        }
        return Snapshot(version: version, entries: entries)
    }

    static func version(of bytes: [UInt8]) -> String { String(Digest.sha256Hex(bytes).prefix(32)) }

    /// The file for `entries`: a header saying who writes it, then the list.
    static func render(_ entries: [JSONObject]) -> [UInt8] {
        var text = """
            # Written by hookrouter's subscriptions API (/api/subscriptions, /api/webhooks/). Hand edits are
            # read like any route file; the API rewrites the whole file (comments are not kept) and refuses
            # to write over an edit it has not seen (409). Secrets are references to files of mode 0600.

            """
        if entries.isEmpty {
            text += "subscriptions: []\n"
        } else {
            text += "subscriptions:\n"
            YAMLWriter.write(.array(entries.map(JSONValue.object)), indent: 2, into: &text)
        }
        return Array(text.utf8)
    }

    /// Replaces the file: a temp file beside it, fsync, rename, fsync of the directory.
    func replace(with bytes: [UInt8]) -> Bool {
        FileSystem.writeDurably(path, bytes, mode: 0o644)
    }
}
