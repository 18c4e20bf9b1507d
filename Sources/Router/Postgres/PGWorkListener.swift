#if canImport(Glibc)
import Glibc
#endif

/// LISTENs on the work channel with a connection of its own and wakes this router's delivery engine
/// when work any router may take is announced (a replay, from an admin API or the CLI), so it waits
/// for no poll. Announcements carrying this router's name are ignored. Reconnects every second while
/// the database is away.
final class PGWorkListener: Sendable {
    private let thread = StoppableThread()

    init(url: String, owner: String, onWork: @escaping @Sendable () -> Void) {
        let thread = self.thread
        thread.start(name: "pg-listen") { Self.run(url: url, owner: owner, thread: thread, onWork: onWork) }
    }

    func stop() { thread.stop() }

    private static func run(url: String, owner: String, thread: StoppableThread, onWork: @Sendable () -> Void) {
        var stopping: Bool { thread.stopping }
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
                _ = thread.sleep(1_000)
            }
        }
    }
}
