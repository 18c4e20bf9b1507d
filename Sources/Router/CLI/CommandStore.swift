/// The store `deliveries` and `replay` work on: the PostgreSQL database of `--store URL` (or
/// `HOOKROUTER_STORE`, as `serve` reads it), else the SQLite file in the `--data` directory.
struct CommandStore {
    let queries: any DeliveryQueries
    /// Where, for messages: the directory, or the URL without its password.
    let place: String
    /// True on PostgreSQL: every router on the database is told of a replay at once.
    let shared: Bool
    /// The data directory (SQLite), to tell whether its server runs.
    let directory: String?

    /// Options both commands take.
    static let options: Set<String> = ["--data", "--store"]

    static func open(_ parsed: Arguments, writable: Bool) throws(StoreQueries.OpenError) -> CommandStore {
        if let url = parsed.value("--store") ?? PostgresEventStore.environmentURL {
            let queries = PGStoreQueries(url: url)
            do {
                try queries.open()
            } catch {
                throw StoreQueries.OpenError(description: "cannot open the PostgreSQL store \(PGConnection.redacted(url)): \(error)")
            }
            return CommandStore(queries: queries, place: PGConnection.redacted(url), shared: true, directory: nil)
        }
        let directory = parsed.value("--data") ?? "./data"
        return CommandStore(queries: try StoreQueries(directory: directory, writable: writable), place: "'\(directory)'", shared: false, directory: directory)
    }

    /// How the flag that names this store is written back in a hint.
    var flag: String { directory.map { "--data \($0)" } ?? "--store \(place)" }
}
