import Rules

/// `hookrouter replay`: puts deliveries back in the queue, due now, with a fresh retry budget (SPEC §1).
enum ReplayCommand: Command {
    static let name = "replay"
    static let summary = "put deliveries back in the queue"
    static let usage = """
        Usage: hookrouter replay [--data DIR | --store URL] [--force] ID...
               hookrouter replay [--data DIR | --store URL] --status dead|orphaned [--target T]

        Puts deliveries back in the queue, due now. A running server picks them up within a second;
        otherwise the next 'hookrouter serve' does. Each replay gets the target's full retry schedule
        again; attempt numbers keep counting (X-Hookrouter-Attempt goes on from the last one).

        By id, dead and orphaned deliveries are replayed; pending ones are left alone (they are
        queued already); delivered ones only with --force (the target would get them twice). An
        orphaned delivery whose route or target is still missing from the route files is orphaned
        again at once: restore them first.

        Options:
          --data DIR           the data directory of 'hookrouter serve' (default ./data)
          --store URL          the PostgreSQL store (postgres://…; default $HOOKROUTER_STORE)
          --status S           every delivery in state dead or orphaned
          --target T           with --status: only deliveries to target T
          --force              by id: replay delivered deliveries too

        Exit: 0 all replayed (or nothing to do), 1 an id is unknown or refused (the others are still
        replayed) or the store cannot be opened, 2 usage.

        """

    /// Ids listed in the report at most; more are counted.
    static let listed = 20

    static func run(_ args: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valued: CommandStore.options.union(["--status", "--target"]), flags: ["--force"])
        } catch {
            return usageError("\(error)")
        }
        var ids: [Int64] = []
        for text in parsed.positionals {
            guard let id = Int64(text), id > 0 else { return usageError("delivery ids are positive numbers (see 'hookrouter deliveries'), not '\(text)'") }
            if !ids.contains(id) { ids.append(id) }
        }
        var status: DeliveryStatus?
        if let text = parsed.value("--status") {
            guard let s = DeliveryStatus(rawValue: text), s == .dead || s == .orphaned else {
                return usageError("--status takes dead or orphaned, not '\(text)' (replay delivered ones by id with --force)")
            }
            status = s
        }
        switch (ids.isEmpty, status) {
        case (true, nil): return usageError("give delivery ids or --status dead|orphaned")
        case (false, .some): return usageError("give either delivery ids or --status, not both")
        default: break
        }
        if parsed.value("--target") != nil, status == nil { return usageError("--target goes with --status") }
        if parsed.has("--force"), status != nil { return usageError("--force goes with ids; --status replays only dead or orphaned deliveries") }

        let store: CommandStore
        do {
            store = try CommandStore.open(parsed, writable: true)
        } catch {
            return failure(error.description)
        }
        let queries = store.queries
        let now = WallClock.now()
        let pickup: String
        if let directory = store.directory {
            pickup = DataDirectory(path: directory).runningPID() != nil
                ? "the running server picks them up within a second" : "no server is running on \(directory); 'hookrouter serve' delivers them when it starts"
        } else {
            pickup = "the routers on this database are told at once; the first free one delivers them"
        }
        do {
            if let status {
                let target = parsed.value("--target")
                let replayed = try queries.replay(status: status, target: target, now: now)
                let which = target.map { " to target '\($0)'" } ?? ""
                if replayed.isEmpty {
                    Output.stdout("no \(status.rawValue) deliveries\(which); nothing replayed\n")
                } else {
                    Output.stdout("replayed \(count(replayed.count, status.rawValue + " "))\(which): \(list(replayed)); \(pickup)\n")
                }
                return ExitCode.ok
            }
            let result = try queries.replay(ids: ids, force: parsed.has("--force"), now: now)
            if !result.replayed.isEmpty {
                Output.stdout("replayed \(count(result.replayed.count)): \(list(result.replayed)); \(pickup)\n")
            }
            if !result.alreadyPending.isEmpty {
                Output.stdout("already pending, left as they are: \(list(result.alreadyPending))\n")
            }
            for id in result.refusedDelivered {
                Output.stderr("hookrouter replay: delivery \(id) was delivered already; pass --force to send it again.\n")
            }
            for id in result.unknown {
                Output.stderr("hookrouter replay: no delivery \(id) in \(store.place); see 'hookrouter deliveries \(store.flag)' for the ids.\n")
            }
            return result.unknown.isEmpty && result.refusedDelivered.isEmpty ? ExitCode.ok : ExitCode.failure
        } catch {
            return failure("cannot replay in \(store.place): \(error); nothing was replayed")
        }
    }

    /// "1 delivery", "2 dead deliveries".
    static func count(_ n: Int, _ adjective: String = "") -> String { n == 1 ? "1 \(adjective)delivery" : "\(n) \(adjective)deliveries" }

    static func list(_ ids: [Int64]) -> String {
        let shown = ids.prefix(listed).map(String.init).joined(separator: ", ")
        return ids.count > listed ? shown + " and \(ids.count - listed) more" : shown
    }
}
