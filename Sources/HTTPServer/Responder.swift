import CLinux
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Answers one request later, from any thread. An answer for a connection that has gone is dropped.
public struct Responder: Sendable {
    let mailbox: Mailbox
    let fd: Int32
    let generation: UInt32

    public func respond(_ response: HTTPResponse) {
        mailbox.post(Mailbox.Letter(fd: fd, generation: generation, response: response))
    }
}

/// Answers posted by other threads, handed to the loop through an eventfd.
final class Mailbox: Sendable {
    struct Letter: Sendable {
        let fd: Int32
        let generation: UInt32
        let response: HTTPResponse
    }

    /// A streaming connection handed over by another server's loop (see `HTTPServer.streamHandoff`).
    struct Adoption: @unchecked Sendable {
        let fd: Int32
        let remoteAddress: String
        /// Bytes the client sent after its request head, not yet used.
        let input: [UInt8]
        /// The answer's head, not yet written.
        let head: [UInt8]
        /// Runs on the adopting loop: the closure belongs to that thread from the hand-over on.
        let open: (StreamChannel) -> StreamSession
    }

    let eventFD: Int32
    private let letters = Mutex<[Letter]>([])
    private let adoptions = Mutex<[Adoption]>([])

    init() {
        eventFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
    }

    deinit { close(eventFD) }

    func post(_ letter: Letter) {
        let wasEmpty = letters.withLock { list in
            list.append(letter)
            return list.count == 1
        }
        // Only the first letter of a batch needs to wake the loop; it drains them all.
        guard wasEmpty else { return }
        if let batch = AnswerBatch.current { batch.defer(self) } else { wake() }
    }

    func post(_ adoption: Adoption) {
        adoptions.withLock { $0.append(adoption) }
        wake()
    }

    /// Connections handed over since the last call (the eventfd is cleared by `drain()`).
    func takeAdoptions() -> [Adoption] {
        adoptions.withLock { list in
            defer { list.removeAll() }
            return list
        }
    }

    func wake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(eventFD, $0.baseAddress, 8) }
    }

    /// Called by the loop: clears the eventfd first, then takes every letter (so none is missed).
    func drain() -> [Letter] {
        var count: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &count) { read(eventFD, $0.baseAddress, 8) }
        return letters.withLock { list in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
    }
}

/// Answers posted together from one thread wake each loop once, at the end. Without it a store writer
/// answering a batch of 30 requests on the loop's core wakes the loop at the first answer, the loop
/// takes that one and sleeps again, and so on: a wake-up and two context switches per answer.
public enum AnswerBatch {
    /// Runs `body`; the loops its answers are for are woken when it returns.
    public static func run<R>(_ body: () throws -> R) rethrows -> R {
        let batch = Pending()
        let outer = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(batch).toOpaque())
        defer {
            pthread_setspecific(key, outer)
            for mailbox in batch.mailboxes { mailbox.wake() }
        }
        return try body()
    }

    /// The batch running on this thread, if any.
    static var current: Pending? {
        pthread_getspecific(key).map { Unmanaged<Pending>.fromOpaque($0).takeUnretainedValue() }
    }

    final class Pending {
        private(set) var mailboxes: [Mailbox] = []
        func `defer`(_ mailbox: Mailbox) {
            if !mailboxes.contains(where: { $0 === mailbox }) { mailboxes.append(mailbox) }
        }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}
