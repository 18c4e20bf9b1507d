import CPostgres
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// libpq's functions, loaded once (see `CPostgres/shim.h`): nil with the reason when libpq5 is missing.
enum PQ {
    static let api: Result<hr_pq_api, PGError> = {
        var api = hr_pq_api()
        if let failure = hr_pq_load(&api) {
            return .failure(.unavailable("cannot load libpq (\(String(cString: failure))); install it: apt-get install libpq5"))
        }
        return .success(api)
    }()
}

/// What went wrong talking to PostgreSQL, as one sentence naming what to fix.
enum PGError: Error, CustomStringConvertible, Equatable {
    /// Connecting failed for a reason to fix: the password is wrong, the database or user is missing, TLS.
    case connect(String)
    /// No server answered (down, or not reachable yet): worth trying again.
    case unreachable(String)
    /// A statement failed; `sqlState` is the five-character SQLSTATE (23505: unique violation).
    case statement(sqlState: String, message: String)
    /// The connection broke (the server restarted or the network dropped it).
    case connectionLost(String)
    case unavailable(String)

    var description: String {
        switch self {
        case .connect(let m), .unreachable(let m), .connectionLost(let m), .unavailable(let m): return m
        case .statement(let state, let message): return "\(message) (SQLSTATE \(state))"
        }
    }

    /// libpq's connection error text made into what to fix.
    static func explainConnect(_ text: String, target: String) -> PGError {
        let t = text.lowercased()
        let hint: String
        let detail = text.trimmingCharacters(in: " \n")
        if t.contains("connection refused") || t.contains("no such file") || t.contains("could not connect") || t.contains("timeout")
            || t.contains("starting up") || t.contains("shutting down")
            || t.contains("could not translate host name") {
            return .unreachable("no PostgreSQL server answers at \(target); start it or fix the host and port in settings.store: \(detail)")
        }
        if t.contains("password authentication failed") || t.contains("no password supplied") {
            hint = "the password for the user in settings.store is wrong or missing"
        } else if t.contains("does not exist") && t.contains("database") {
            hint = "the database in settings.store does not exist; create it (createdb) or fix the URL"
        } else if t.contains("role") && t.contains("does not exist") {
            hint = "the user in settings.store does not exist on the server"
        } else if t.contains("ssl") {
            hint = "the TLS settings do not match the server's; check sslmode in settings.store"
        } else {
            hint = "PostgreSQL at \(target) refused the connection"
        }
        return .connect("\(hint): \(detail)")
    }
}

/// What runs a statement: a connection, or a session that reconnects.
protocol PGQuerying {
    @discardableResult
    func query(_ sql: String, _ params: [String?]) throws(PGError) -> [[String?]]
}

/// One connection, used by one thread at a time. Values go in and come out as text (bytea as hex).
final class PGConnection: PGQuerying {
    private let api: hr_pq_api
    private let handle: OpaquePointer
    /// The URL without its password, for messages.
    let target: String

    init(url: String) throws(PGError) {
        let api: hr_pq_api
        switch PQ.api {
        case .success(let a): api = a
        case .failure(let e): throw e
        }
        self.api = api
        // Only the URL form: its password can be found and kept out of every message (libpq echoes
        // a malformed connection string whole).
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw .connect("settings.store must be a URL like postgres://user:password@host:5432/database?sslmode=require")
        }
        target = PGConnection.redacted(url)
        guard let h = api.connectdb(Self.withDefaults(url)) else { throw .connect("libpq could not allocate a connection") }
        handle = h
        if api.status(h) != Int32(HR_CONNECTION_OK) {
            // Thrown after every property is set, so deinit still runs and finishes the handle.
            // libpq may echo the connection string: its password never leaves this function.
            var text = Self.text(api.errorMessage(h))
            if let password = Self.password(in: url), !password.isEmpty { text = text.replacing(password, with: "<redacted>") }
            throw PGError.explainConnect(text, target: target)
        }
    }

    deinit { api.finish(handle) }

    private var raw: OpaquePointer { handle }

    var isOK: Bool { api.status(raw) == Int32(HR_CONNECTION_OK) }

    /// The connection's socket, to wait on for notifications.
    var socket: Int32 { api.socket(raw) }

    /// Reads what the server sent and returns the payloads of the notifications received (LISTEN);
    /// throws when the connection broke.
    func notifications() throws(PGError) -> [String] {
        guard api.consumeInput(raw) == 1 else {
            throw .connectionLost("the connection to \(target) broke: \(Self.text(api.errorMessage(raw)).trimmingCharacters(in: " \n"))")
        }
        var payloads: [String] = []
        while let n = api.notifies(raw) {
            payloads.append(n.pointee.extra.map { String(cString: $0) } ?? "")
            api.freemem(n)
        }
        return payloads
    }

    /// Runs statements without parameters (DDL, BEGIN/COMMIT).
    func execute(_ sql: String) throws(PGError) {
        _ = try run { api.exec(raw, sql) }
    }

    /// Runs one statement with text parameters (nil is NULL); the rows as text (nil is NULL).
    @discardableResult
    func query(_ sql: String, _ params: [String?] = []) throws(PGError) -> [[String?]] {
        let cStrings: [UnsafeMutablePointer<CChar>?] = params.map { $0.map { strdup($0) } ?? nil }
        defer { for p in cStrings { free(p) } }
        return try cStrings.withUnsafeBufferPointer { values throws(PGError) in
            try run {
                values.withMemoryRebound(to: UnsafePointer<CChar>?.self) { v in
                    api.execParams(raw, sql, Int32(params.count), nil, v.baseAddress, nil, nil, 0)
                }
            }
        }
    }

    private func run(_ call: () -> OpaquePointer?) throws(PGError) -> [[String?]] {
        guard let result = call() else {
            throw .connectionLost("the connection to \(target) broke: \(Self.text(api.errorMessage(raw)).trimmingCharacters(in: " \n"))")
        }
        let r = result
        defer { api.clear(r) }
        let status = api.resultStatus(r)
        guard status == Int32(HR_PGRES_COMMAND_OK) || status == Int32(HR_PGRES_TUPLES_OK) else {
            let message = Self.text(api.resultErrorMessage(r)).trimmingCharacters(in: " \n")
            if !isOK { throw .connectionLost("the connection to \(target) broke: \(message)") }
            let state = api.resultErrorField(r, Int32(HR_PG_DIAG_SQLSTATE)).map { String(cString: $0) } ?? "?????"
            throw .statement(sqlState: state, message: message)
        }
        var rows: [[String?]] = []
        let n = api.ntuples(r), m = api.nfields(r)
        rows.reserveCapacity(Int(n))
        for i in 0..<n {
            var row: [String?] = []
            for j in 0..<m {
                row.append(api.getisnull(r, i, j) == 1 ? nil : Self.text(api.getvalue(r, i, j)))
            }
            rows.append(row)
        }
        return rows
    }

    /// Text libpq returns (NULL as empty).
    static func text(_ p: UnsafeMutablePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }

    /// Connection parameters a router needs and libpq does not default to, added unless the URL sets
    /// them. `connect_timeout`: libpq waits for TCP's own timeout (minutes) on a database host that
    /// vanished, and the thread connecting (the admin API's loop, the engine) with it.
    /// `tcp_user_timeout` and keepalives: a connection whose packets stop getting through (a network
    /// partition, a failed-over host) breaks within ~15 s instead of TCP's retransmission timeout
    /// (~15 min), so the writer answers 503 and reconnects instead of holding every webhook.
    static let defaults: [(String, String)] = [
        ("connect_timeout", "5"), ("tcp_user_timeout", "10000"),
        ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"),
    ]

    static func withDefaults(_ url: String) -> String {
        var out = url
        for (key, value) in defaults where !url.contains(key + "=") {
            out += (out.contains("?") ? "&" : "?") + key + "=" + value
        }
        return out
    }

    /// The password of `postgres://user:secret@host/db` or of `… password=secret …`.
    static func password(in url: String) -> String? {
        if let scheme = url.firstRange(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") {
            let credentials = url[scheme.upperBound..<at]
            if let colon = credentials.firstIndex(of: ":") { return String(credentials[credentials.index(after: colon)...]) }
        }
        if let key = url.firstRange(of: "password=") {
            return String(url[key.upperBound...].prefix { $0 != " " })
        }
        return nil
    }

    /// `postgres://user:secret@host/db` → `postgres://user@host/db`: a password never reaches a log.
    static func redacted(_ url: String) -> String {
        if let password = password(in: url), !password.isEmpty, !url.contains("://") { return url.replacing(password, with: "<redacted>") }
        guard let scheme = url.firstRange(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + String(url[at...])
    }
}

/// bytea in PostgreSQL's hex text form (`\x0a1b…`), both ways.
enum PGBytea {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 2 + bytes.count * 2)
        out[0] = UInt8(ascii: "\\")
        out[1] = UInt8(ascii: "x")
        for (i, b) in bytes.enumerated() {
            out[2 + 2 * i] = digits[Int(b >> 4)]
            out[3 + 2 * i] = digits[Int(b & 0xF)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count >= 2, u[0] == UInt8(ascii: "\\"), u[1] == UInt8(ascii: "x"), u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity((u.count - 2) / 2)
        var i = 2
        while i < u.count {
            guard let hi = hex(u[i]), let lo = hex(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
