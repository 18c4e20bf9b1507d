import CLinux
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Starts a detached-from-Swift-concurrency OS thread; the handle joins it.
final class OSThread: @unchecked Sendable {
    private var thread = pthread_t()

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        pthread_create(&thread, nil, { arg in
            guard let arg else { return nil }
            let box = Unmanaged<Box>.fromOpaque(arg).takeRetainedValue()
            box.body()
            return nil
        }, box)
        pthread_setname_np(thread, String(name.prefix(15)))  // Linux caps names at 15 bytes
    }

    func join() { pthread_join(thread, nil) }

    /// Starts a thread nobody joins: its resources go back to the system when `body` returns.
    static func detached(name: String, _ body: @escaping @Sendable () -> Void) {
        let t = OSThread(name: name, body)
        pthread_detach(t.thread)
    }
}

/// A FIFO that one thread drains in batches, blocking while it is empty (pthread mutex + condition).
final class BlockingQueue<Element>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var items: [Element] = []
    private var closed = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
    }

    /// Adds an item; false once the queue is closed (the item is not taken).
    @discardableResult
    func push(_ item: Element) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return false }
        items.append(item)
        if items.count == 1 { pthread_cond_signal(cond) }
        return true
    }

    /// Everything queued (at most `max`), waiting while empty; nil when closed and drained.
    func popBatch(max: Int) -> [Element]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while items.isEmpty, !closed { pthread_cond_wait(cond, mutex) }
        if items.isEmpty { return nil }
        if items.count <= max {
            defer { items.removeAll(keepingCapacity: true) }
            return items
        }
        let batch = Array(items.prefix(max))
        items.removeFirst(max)
        return batch
    }

    /// Refuses new items; the consumer still drains what is queued.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
    }
}


/// A background thread that runs until asked to stop: its body polls `stopping` (or sleeps through
/// `sleep`, which wakes for a stop), and `stop()` returns once the body has.
final class StoppableThread: Sendable {
    private let stopRequested = Atomic<Bool>(false)
    private let thread = Mutex<OSThread?>(nil)

    var stopping: Bool { stopRequested.load(ordering: .acquiring) }

    func start(name: String, _ body: @escaping @Sendable () -> Void) {
        thread.withLock { $0 = OSThread(name: name, body) }
    }

    func stop() {
        stopRequested.store(true, ordering: .releasing)
        let t = thread.withLock { t in
            defer { t = nil }
            return t
        }
        t?.join()
    }

    /// Sleeps in slices of at most 100 ms; false as soon as a stop is requested.
    func sleep(_ milliseconds: Int64) -> Bool {
        var left = milliseconds
        while left > 0 {
            if stopping { return false }
            let slice = min(left, 100)
            usleep(UInt32(slice * 1000))
            left -= slice
        }
        return !stopping
    }
}
