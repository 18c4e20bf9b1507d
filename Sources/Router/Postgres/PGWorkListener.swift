import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// LISTENs on the work channel with a connection of its own and wakes this router's delivery engine
/// when work any router may take is announced (a replay, from an admin API or the CLI), so it waits
/// for no poll. Announcements carrying this router's name are ignored. Reconnects every second while
/// the database is away.
final class PGWorkListener: Sendable {
    private let stopRequested = Atomic<Bool>(false)
    private let thread = Mutex<OSThread?>(nil)

    init(url: String, owner: String, onWork: @escaping @Sendable () -> Void) {
        let stop = UncheckedBox(self)
        thread.withLock { $0 = OSThread(name: "pg-listen") { stop.value.run(url: url, owner: owner, onWork: onWork) } }
    }

    func stop() {
        stopRequested.store(true, ordering: .releasing)
        let t = thread.withLock { t in
            defer { t = nil }
            return t
        }
        t?.join()
    }

    private var stopping: Bool { stopRequested.load(ordering: .acquiring) }

    private func run(url: String, owner: String, onWork: @Sendable () -> Void) {
        var warned = false
        while !stopping {
            do throws(PGError) {
                let db = try PGConnection(url: url)
                try db.execute("LISTEN \(PGSchema.workChannel)")
                if warned { Log.info("listening for work on the PostgreSQL store again", ["store": db.target]) }
                warned = false
                // Work announced while this was not listening is found by the engine's next scan.
                onWork()
                while !stopping {
                    var fd = pollfd(fd: db.socket, events: Int16(POLLIN), revents: 0)
                    guard poll(&fd, 1, 250) > 0 else { continue }
                    if try db.notifications().contains(where: { $0 != owner }) { onWork() }
                }
            } catch {
                if !warned {
                    Log.warn("cannot listen for work on the PostgreSQL store; other routers' work waits for the next scan (a second)", ["error": error.description])
                    warned = true
                }
                for _ in 0..<4 where !stopping { usleep(250_000) }
            }
        }
    }
}
