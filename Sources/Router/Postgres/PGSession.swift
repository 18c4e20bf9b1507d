/// A connection that comes back: opened on first use, dropped when it breaks, reopened on the next
/// call. For the threads that query at their own pace (the delivery engine, the admin API, the CLI);
/// the writer has its own, with a reconnect backoff.
final class PGSession: PGQuerying {
    let url: String
    private var db: PGConnection?

    init(url: String) {
        self.url = url
    }

    private func connection() throws(PGError) -> PGConnection {
        if let db, db.isOK { return db }
        db = nil
        let c = try PGConnection(url: url)
        db = c
        return c
    }

    @discardableResult
    func query(_ sql: String, _ params: [String?] = []) throws(PGError) -> [[String?]] {
        do {
            return try connection().query(sql, params)
        } catch {
            if case .connectionLost = error { db = nil }
            throw error
        }
    }

    /// Runs `body` in one transaction, rolled back when it throws.
    func transaction<T>(_ body: () throws(PGError) -> T) throws(PGError) -> T {
        try transaction(begin: "BEGIN", body)
    }

    /// Runs `body`'s reads on one snapshot of the database: under the default READ COMMITTED each
    /// statement sees its own, so two counters a writer changes in one commit could be read across it.
    func snapshot<T>(_ body: () throws(PGError) -> T) throws(PGError) -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func transaction<T>(begin: String, _ body: () throws(PGError) -> T) throws(PGError) -> T {
        try query(begin)
        do {
            let value = try body()
            try query("COMMIT")
            return value
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }
}
