import CCurl
import HTTPServer
import Rules
import Synchronization

/// Delivers stored events to their targets: one thread driving two clients. Plain `http://` targets at
/// an IP address go through `HTTP1Client` (ours: kept-alive connections, one `send` per request);
/// every other target through libcurl's multi interface (TLS verified, names resolved off-thread,
/// HTTP/2 where offered, proxies from the environment, connect-time checks for untrusted targets).
/// One wait covers both: `curl_multi_poll` watches the plain client's epoll descriptor too.
///
/// Work comes from the store: new deliveries are handed over by the writer the moment they commit
/// (no polling on the hot path), and a scan of due rows every second picks up retries, replays made
/// by the CLI and whatever a restart left pending. Each attempt's outcome goes back through the store's
/// writer; a delivery stays in memory ("known") until that write is settled, so a scan never starts it twice.
///
/// A new delivery has no row (schema 6): if its first attempt succeeds nothing is written for it but
/// the settled cursor (`SettleTracker`); any other outcome, a full lane, or a wait of over
/// `rowlessMilliseconds` gives it a row, so the cursor never waits long on one target.
final class DeliveryEngine: @unchecked Sendable {
    let inbox: DeliveryInbox
    private let store: EventStore
    private let config: LiveConfig
    private let reader: DeliverySource
    private let metrics: DeliveryMetrics
    private let multi: UnsafeMutableRawPointer
    private var lanes: [String: TargetLane] = [:]
    private var known = Set<Int64>()
    /// When the leases of `known` are renewed next (PostgreSQL).
    private var nextLeaseRenewal: Int64 = 0
    private var transfers: [ObjectIdentifier: Transfer] = [:]
    private let handles = EasyHandlePool()
    private let plain = HTTP1Client<AttemptInFlight>()
    /// Per target of the table last seen (by index): how the plain client sends to it, nil for libcurl.
    private var plainRoutes: (table: RouteTable, byTarget: [PlainRoute?])?
    /// A proxy in the environment applies to http:// too: then libcurl sends everything (or when asked to).
    private let plainAllowed = PlainEndpoint.enabled(FileSystem.environment())
    private var attemptLog = AttemptLog()
    private var settle = SettleTracker()
    private var nextScan: Int64 = 0
    /// The config generation whose removed targets were last looked for in the store.
    private var orphansCheckedFor: Int?
    private var thread: OSThread?
    private let stopRequested = Atomic<Bool>(false)
    /// Route name → index for the table last seen (rebuilt when a reload swaps the table). Holds the
    /// table itself: an ObjectIdentifier of a freed table can be reused by the next one at the same
    /// address, and a stale index would then point past the new table's routes.
    private var routeIndex: (table: RouteTable, byName: [String: Int])?

    /// Deliveries held in memory at most; more wait in the store until there is room.
    static let memoryCap = 20_000
    /// Deliveries one target's lane holds in memory at most; the rest wait in the store.
    static let laneCap = 1000
    static let scanInterval: Int64 = 1000
    /// A new delivery still waiting after this long (circuit open, rate limit, concurrency) gets a row.
    static let rowlessMilliseconds: Int64 = 2000
    /// On shutdown, requests in flight get this long before they are abandoned (they stay pending).
    static let drainMilliseconds: Int64 = 10_000

    init(store: EventStore, source: DeliverySource, config: LiveConfig, inbox: DeliveryInbox, metrics: DeliveryMetrics) {
        self.store = store
        self.config = config
        self.inbox = inbox
        self.metrics = metrics
        self.reader = source
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        multi = curl_multi_init()
        hr_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0)
        let waker = MultiWaker(multi: multi)
        inbox.setWake { waker.wake() }
    }

    deinit { curl_multi_cleanup(multi) }

    func start() {
        let engine = self
        thread = OSThread(name: "delivery") { engine.run() }
    }

    /// Stops starting attempts, waits for those in flight (bounded), and returns when the thread is done.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        curl_multi_wakeup(multi)
        thread?.join()
        thread = nil
    }

    // MARK: - The loop

    private func run() {
        var drainDeadline: Int64?
        while true {
            let now = WallClock.now().milliseconds
            // Answers first: they free connections for this round's sends, and an idle connection the
            // server closed meanwhile is dropped before a request could be sent on it.
            collectPlain()
            if stopRequested.load(ordering: .acquiring) {
                if drainDeadline == nil { drainDeadline = MonotonicClock.milliseconds() + Self.drainMilliseconds }
                if transfers.isEmpty, plain.inFlight == 0 { break }
                if MonotonicClock.milliseconds() > drainDeadline! { break }
            } else {
                takeInbox()
                if now >= nextScan {
                    scan(now: now, full: true)
                } else if lanesWantRefill {
                    scan(now: now, full: false)
                }
                dispatch(now: now)
                if let every = reader.leaseRenewalMilliseconds, now >= nextLeaseRenewal {
                    nextLeaseRenewal = now + every
                    reader.renewLeases(Array(known), now: now)
                }
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            collectFinished()
            handOverAttempts(force: false)
            publishGauges(now: now)
            var wait = stopRequested.load(ordering: .acquiring) ? 100 : sleepMilliseconds(now: WallClock.now().milliseconds)
            let monotonic = MonotonicClock.milliseconds()
            if let due = attemptLog.deadline { wait = min(wait, Int(max(0, due - monotonic))) }
            if let due = plain.nextDeadline { wait = min(wait, Int(max(0, due - monotonic))) }
            var plainWait = curl_waitfd(fd: plain.pollFD, events: Int16(CURL_WAIT_POLLIN), revents: 0)
            curl_multi_poll(multi, &plainWait, 1, Int32(wait), nil)
        }
        for transfer in transfers.values {
            curl_multi_remove_handle(multi, transfer.easy)
            Log.emit(.warn, "delivery abandoned at shutdown; it stays pending", transfer.delivery.logFields())
        }
        transfers.removeAll()
        for attempt in plain.abandonAll() {
            Log.emit(.warn, "delivery abandoned at shutdown; it stays pending", attempt.delivery.logFields())
        }
        handOverAttempts(force: true)
    }

    /// Gives the store's writer the attempts collected so far, once the batch is due (see `AttemptLog`).
    private func handOverAttempts(force: Bool) {
        let now = MonotonicClock.milliseconds()
        attemptLog.settled(version: settle.version, now: now)
        let batch = attemptLog.take(now: now, force: force)
        if !batch.records.isEmpty || batch.settledChanged { store.record(batch.records, settled: batch.settledChanged ? settle.state : nil) }
    }

    private func takeInbox() {
        let (fresh, settled, rescan) = inbox.take()
        for id in settled { known.remove(id) }
        // A lane already holding `laneCap` deliveries takes no more from ingest: the new one stays
        // pending in the store (due now) and a scan loads it, without its body, when there is room.
        // Without this, a target that is down while events keep coming made the engine hold every new
        // delivery, event body included, without bound. Per lane, so a healthy target is never starved.
        for d in fresh {
            let lane = self.lane(d.target)
            guard lane.queue.count < Self.laneCap else {
                lane.backlog = true
                if !d.hasRow {
                    settle.add(seq: d.eventSeq)
                    giveRow(d, now: WallClock.now().milliseconds)
                }
                continue
            }
            // Every delivery counted unsettled here is settled by its outcome or its row, or the cursor stops.
            // (A store that keeps a row for every delivery, PostgreSQL's, has no cursor to hold.)
            guard known.insert(d.id).inserted else { continue }
            if !d.hasRow { settle.add(seq: d.eventSeq) }
            lane.queue.push(d)
        }
        if rescan { nextScan = 0 }
    }

    /// Loads, target by target, due pending deliveries the engine does not hold yet, into lanes with
    /// room (at most `laneCap` each), so one target's backlog never hides another's retries. Pending
    /// deliveries to targets a reload removed are orphaned once per config generation.
    ///
    /// A `full` scan (every second) reads each lane from its first due row; a refill reads on from where
    /// the lane's last read stopped, for lanes that left work in the store. Whatever a cursor could miss
    /// (a row due earlier than it, after a clock step back) the next full scan finds.
    private func scan(now: Int64, full: Bool) {
        if full {
            nextScan = now + Self.scanInterval
            giveRowsToWaitingDeliveries(now: now)
        }
        let table = config.table
        for target in table.targets {
            let lane = self.lane(target.name)
            guard full || lane.backlog, lane.queue.count <= Self.laneCap / 2, known.count < Self.memoryCap else { continue }
            let room = Self.laneCap - lane.queue.count
            // Rows this lane holds or sends come back too (all of them from the start, the ones past the
            // cursor otherwise): ask for enough to pass them.
            let limit = room + lane.inFlight + (full ? lane.queue.count : 0)
            let from = full ? DueCursor.start : lane.cursor
            let rows: [QueuedDelivery]
            do {
                rows = try reader.dueDeliveries(target: target.name, by: now, after: from, limit: limit)
            } catch {
                Log.error("cannot read due deliveries; retrying in a second", ["target": target.name, "error": "\(error)"])
                return
            }
            var cursor = from
            var filled = false
            for d in rows {
                guard lane.queue.count < Self.laneCap else { filled = true; break }
                cursor = DueCursor(due: d.dueMilliseconds, id: d.id)
                if known.insert(d.id).inserted { lane.queue.push(d) }
            }
            lane.cursor = cursor
            lane.backlog = filled || rows.count == limit
        }
        if orphansCheckedFor != config.generation {
            orphansCheckedFor = config.generation
            do {
                for d in try reader.deliveries(notTo: table.targets.map(\.name), limit: Self.laneCap) where !known.contains(d.id) {
                    known.insert(d.id)
                    orphan(d, why: "target '\(d.target)' is no longer configured")
                }
            } catch {
                Log.error("cannot look for orphaned deliveries", ["error": "\(error)"])
                orphansCheckedFor = nil
            }
        }
    }

    /// New deliveries queued or in flight for longer than `rowlessMilliseconds` (or all of them, when the
    /// list of deliveries made above the cursor is full) get a row: the settled cursor then moves past
    /// them, so a restart does not re-send what other targets received meanwhile.
    private func giveRowsToWaitingDeliveries(now: Int64, all: Bool = false) {
        guard settle.count > 0 else { return }
        let before = all ? Int64.max : now - Self.rowlessMilliseconds
        func give(_ d: QueuedDelivery) {
            guard !d.hasRow, d.createdMilliseconds <= before else { return }
            giveRow(d, now: now)
            d.hasRow = true  // its outcome is now recorded like any other, into the row
        }
        for lane in lanes.values { lane.queue.elements.forEach(give) }
        for transfer in transfers.values { give(transfer.delivery) }
        for attempt in plain.tags { give(attempt.delivery) }
    }

    /// Writes a pending row for a new delivery (state only, no attempt), as ingest did before schema 6.
    private func giveRow(_ d: QueuedDelivery, now: Int64) {
        attemptLog.add(AttemptRecord(deliveryID: d.id, eventSeq: d.eventSeq, route: d.route, target: d.target,
                                     createdMilliseconds: d.createdMilliseconds, attempt: d.attempts, startedAt: Timestamp(milliseconds: now),
                                     durationMilliseconds: 0, statusCode: nil, response: [], error: nil, newStatus: .pending,
                                     nextAttemptAt: Timestamp(milliseconds: d.dueMilliseconds), logged: false, forgetAfterCommit: false),
                       now: MonotonicClock.milliseconds())
        settle.settle(seq: d.eventSeq)
    }

    /// A lane that left work in the store and has room again refills now rather than at the next scan.
    private var lanesWantRefill: Bool {
        lanes.values.contains { $0.backlog && $0.queue.count <= Self.laneCap / 2 }
    }

    private func lane(_ name: String) -> TargetLane {
        if let l = lanes[name] { return l }
        let table = config.table
        let breaker = table.targetIndex(named: name).map { CircuitBreaker(table.targets[$0].circuit) } ?? CircuitBreaker()
        let l = TargetLane(name: name, breaker: breaker)
        lanes[name] = l
        return l
    }

    /// Starts every due delivery its target has room for: concurrency, rate limit and circuit permitting.
    /// The events of those that came from the store are read in one query for the whole round.
    private func dispatch(now: Int64) {
        let table = config.table
        var starting: [(delivery: QueuedDelivery, target: Target, lane: TargetLane)] = []
        for lane in lanes.values {
            while let head = lane.queue.first, head.dueMilliseconds <= now {
                guard let t = lane.targetIndex(in: table) else {
                    _ = lane.queue.pop()
                    orphan(head, why: "target '\(lane.name)' is no longer configured")
                    continue
                }
                let target = table.targets[t]
                guard lane.inFlight < target.concurrency, now >= lane.throttledUntil,
                      lane.breaker.allowsRequest(now: now),
                      lane.takeToken(rate: target.rateLimit, now: now) else { break }
                _ = lane.queue.pop()
                lane.inFlight += 1  // taken now so the limit holds for the rest of the round; start() returns it on failure
                starting.append((head, target, lane))
            }
        }
        guard !starting.isEmpty else { return }
        // With several routers on one store, a delivery is attempted only under a lease held now.
        let lost = reader.notHeld(starting.map(\.delivery.id), now: WallClock.now().milliseconds)
        if !lost.isEmpty {
            starting.removeAll { s in
                guard lost.contains(s.delivery.id) else { return false }
                s.lane.inFlight -= 1
                known.remove(s.delivery.id)  // another router holds it
                return true
            }
        }
        let events = reader.load(seqs: starting.compactMap { $0.delivery.event == nil ? $0.delivery.eventSeq : nil })
        for s in starting {
            let event = s.delivery.event.map { .success($0) } ?? events[s.delivery.eventSeq] ?? .failure(.missing)
            if !start(s.delivery, event: event, target: s.target, table: table, lane: s.lane) { s.lane.inFlight -= 1 }
        }
    }

    /// Sends the delivery's next attempt; false when it did not go out (settled otherwise, or queued again).
    private func start(_ d: QueuedDelivery, event: Result<StoredEvent, DeliveryReader.LoadError>, target: Target, table: RouteTable,
                       lane: TargetLane) -> Bool {
        guard let r = route(named: d.route, in: table) else {
            orphan(d, why: "route '\(d.route)' is no longer configured")
            return false
        }
        let stored: StoredEvent
        switch event {
        case .success(let e):
            stored = e
        case .failure(let error):
            Log.emit(.error, "delivery dead: its event cannot be read from the store", d.logFields(["error": error.description]))
            finish(d, attempt: d.attempts, result: nil, status: .dead, next: nil, error: error.description, startedAt: WallClock.now(), duration: 0)
            return false
        }
        let attempt = d.attempts + 1
        let startedAt = WallClock.now()
        let route = table.routes[r]
        func request() -> OutboundRequest {
            OutboundRequest(event: stored.event(parsingData: route.body.readsEvent), route: route, target: target,
                            deliveryId: String(d.id), attempt: attempt, now: startedAt)
        }
        if let plainRoute = plainRoute(target, in: table) {
            let monotonic = MonotonicClock.milliseconds()
            let tag = AttemptInFlight(delivery: d, lane: lane, attempt: attempt, startedAt: startedAt, startedMonotonic: monotonic)
            do {
                var bytes: [UInt8]
                if case .raw = route.body, let part = plainRoute.targetPart {
                    bytes = plain.requestBuffer()
                    try HTTP1Request.encodeRaw(stored, target: target, part: part, deliveryId: d.id, attempt: attempt, now: startedAt,
                                               prefix: plainRoute.prefix, into: &bytes)
                } else {
                    bytes = try HTTP1Request.encode(request(), prefix: plainRoute.prefix)
                }
                plain.send(bytes, to: plainRoute.endpoint, timeout: target.timeoutMilliseconds, tag: tag, now: monotonic)
            } catch {
                completed(tag, result: .failed(error.description), response: [])
            }
            return true
        }
        let request = request()
        guard let transfer = Transfer(request: request, delivery: d, attempt: attempt, timeoutMilliseconds: target.timeoutMilliseconds,
                                      now: startedAt, monotonic: MonotonicClock.milliseconds(), pool: handles,
                                      outbound: target.guarded ? table.settings.subscriptions.outbound : nil) else {
            lane.queue.push(d)  // libcurl could not allocate: try again on the next turn
            return false
        }
        curl_multi_add_handle(multi, transfer.easy)
        transfers[ObjectIdentifier(transfer)] = transfer
        return true
    }

    /// How the plain client sends to a target, or nil when libcurl does (see `PlainEndpoint`); worked
    /// out once per target of each table. Untrusted targets always go through libcurl, whose open-socket
    /// hook checks every address they resolve to.
    private func plainRoute(_ target: Target, in table: RouteTable) -> PlainRoute? {
        if plainRoutes?.table !== table {
            plainRoutes = (table, table.targets.map { t in
                guard plainAllowed, !t.guarded, t.stream == nil, let endpoint = PlainEndpoint(url: t.url) else { return nil }
                return PlainRoute(endpoint: plain.endpointID(endpoint),
                                  prefix: HTTP1Request.prefix(method: t.method, endpoint: endpoint, targetHeaders: t.headers),
                                  targetPart: HTTP1Request.TargetPart(t))
            })
        }
        return plainRoutes?.byTarget[target.index]
    }

    private func route(named name: String, in table: RouteTable) -> Int? {
        if routeIndex?.table !== table {
            routeIndex = (table, Dictionary(table.routes.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a }))
        }
        return routeIndex?.byName[name]
    }

    private func collectFinished() {
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
            guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
            let code = msg.pointee.data.result
            var raw: UnsafeMutableRawPointer?
            hr_curl_getinfo_ptr(easy, CURLINFO_PRIVATE, &raw)
            curl_multi_remove_handle(multi, easy)
            guard let raw else { continue }
            let transfer = Unmanaged<Transfer>.fromOpaque(raw).takeUnretainedValue()
            transfers[ObjectIdentifier(transfer)] = nil
            completed(transfer, code: code)
        }
    }

    private func collectPlain() {
        guard plain.inFlight > 0 || plain.nextDeadline != nil else { return }
        for f in plain.poll(now: MonotonicClock.milliseconds()) {
            completed(f.tag, result: f.result, response: f.response)
        }
    }

    private func completed(_ t: Transfer, code: CURLcode) {
        completed(AttemptInFlight(delivery: t.delivery, lane: lane(t.delivery.target), attempt: t.attempt, startedAt: t.startedAt,
                                  startedMonotonic: t.startedMonotonic),
                  result: t.result(code), response: t.response)
    }

    /// An attempt's outcome, from either client.
    private func completed(_ t: AttemptInFlight, result: AttemptResult, response: [UInt8]) {
        let d = t.delivery
        let now = WallClock.now()
        let duration = MonotonicClock.milliseconds() - t.startedMonotonic
        let lane = t.lane
        lane.inFlight -= 1
        if result.succeeded {
            lane.breaker.recordSuccess()
        } else if result.isTargetFailure, lane.breaker.recordFailure(now: now.milliseconds) {
            Log.emit(.warn, "circuit opened: target is failing; deliveries wait for a probe", d.logFields())
        }
        if let pause = result.throttleMilliseconds, now.milliseconds + pause > lane.throttledUntil {
            lane.throttledUntil = now.milliseconds + pause
            Log.emit(.warn, "target answered 429: its deliveries wait as it asked", d.logFields(["pause_ms": String(pause)]))
        }
        let table = config.table
        let policy = lane.targetIndex(in: table).map { table.targets[$0].retry } ?? .default
        let next = RetryDecision.next(after: result, attempt: d.attemptInBudget(t.attempt), policy: policy, now: now)
        var error: String?
        var statusCode: Int?
        switch result {
        case .answered(let s, _): statusCode = s
        case .failed(let e): error = e
        }
        metrics.finished(target: d.target, result: result, milliseconds: duration, final: next.status)
        // The fields are built only for a line that is written: "delivered" is debug, off by default;
        // failures are limited per target (the attempts are in the store and the metrics all the same).
        let level: Log.Level = result.succeeded ? .debug : .warn
        var write = level >= Log.minimum
        if write, !result.succeeded {
            let budget = lane.failureLines.take(now: MonotonicClock.milliseconds())
            if budget.heldBefore > 0 {
                Log.warn("delivery attempts failed without a line each (a target gets 10 lines in 10 s)",
                         ["target": d.target, "held_back": String(budget.heldBefore)])
            }
            write = budget.write
        }
        if write {
            Log.emit(level, result.succeeded ? "delivered" : (next.status == .dead ? "delivery dead" : "delivery attempt failed"),
                     d.logFields(["attempt": String(t.attempt), "status": statusCode.map(String.init) ?? "-",
                                  "error": error ?? "", "outcome": next.status.rawValue]))
        }
        if !d.hasRow, next.status == .delivered {
            // Delivered at its first attempt: nothing to write but the settled state.
            settle.delivered(seq: d.eventSeq, id: d.id)
            known.remove(d.id)
            if settle.deliveredAboveIsFull { giveRowsToWaitingDeliveries(now: now.milliseconds, all: true) }
            return
        }
        finish(d, attempt: t.attempt, result: statusCode, status: next.status, next: next.nextAttemptAt,
               error: error ?? next.reason, startedAt: t.startedAt, duration: duration, response: response)
        if next.status == .pending, let at = next.nextAttemptAt, at.milliseconds <= now.milliseconds + Self.scanInterval {
            // Due soon: keep it in memory rather than wait for a scan. The body is dropped (read again).
            lane.queue.push(QueuedDelivery(id: d.id, eventSeq: d.eventSeq, route: d.route, target: d.target,
                                           attempts: t.attempt, dueMilliseconds: at.milliseconds, event: nil, attemptBase: d.attemptBase,
                                           source: d.source, eventID: d.eventID, createdMilliseconds: d.createdMilliseconds))
        }
    }

    /// Records the outcome through the writer (in the next batch handed over; the record creates the row
    /// of a delivery that had none). A delivery that goes back into memory stays known; otherwise it is
    /// forgotten once the writer settles the record.
    private func finish(_ d: QueuedDelivery, attempt: Int, result: Int?, status: DeliveryStatus, next: Timestamp?, error: String?,
                        startedAt: Timestamp, duration: Int64, response: [UInt8] = []) {
        let keepsInMemory = status == .pending && (next?.milliseconds ?? 0) <= WallClock.now().milliseconds + Self.scanInterval
        if !d.hasRow { settle.settle(seq: d.eventSeq) }
        attemptLog.add(AttemptRecord(deliveryID: d.id, eventSeq: d.eventSeq, route: d.route, target: d.target,
                                     createdMilliseconds: d.createdMilliseconds, attempt: attempt, startedAt: startedAt, durationMilliseconds: duration,
                                     statusCode: result, response: response, error: error, newStatus: status,
                                     nextAttemptAt: next, logged: attempt > d.attempts, forgetAfterCommit: !keepsInMemory),
                       now: MonotonicClock.milliseconds())
    }

    private func orphan(_ d: QueuedDelivery, why: String) {
        Log.emit(.warn, "delivery orphaned", d.logFields(["reason": why]))
        metrics.orphaned(target: d.target)
        finish(d, attempt: d.attempts, result: nil, status: .orphaned, next: nil, error: why, startedAt: WallClock.now(), duration: 0)
    }

    private var lastPublished: Int64 = 0

    /// Queue depth, requests in flight, circuit state and the oldest due delivery, for `/metrics`.
    private func publishGauges(now: Int64) {
        guard now - lastPublished >= 250 else { return }
        lastPublished = now
        var oldest = now
        for lane in lanes.values { if let head = lane.queue.first { oldest = min(oldest, head.dueMilliseconds) } }
        metrics.publish(lanes: lanes.values.map { ($0.name, $0.queue.count, $0.inFlight, $0.breaker.isOpen) },
                        oldestDueSeconds: Double(max(0, now - oldest)) / 1000)
    }

    /// How long the loop may sleep: until the next due delivery that could start, at most a second.
    private func sleepMilliseconds(now: Int64) -> Int {
        var until = min(nextScan, now + 1000)
        let table = config.table
        for lane in lanes.values {
            guard let head = lane.queue.first else { continue }
            guard let t = lane.targetIndex(in: table) else {
                until = min(until, head.dueMilliseconds)  // orphaned by a reload: dispatch settles it at once
                continue
            }
            let target = table.targets[t]
            if let at = lane.wakeAt(concurrency: target.concurrency, rate: target.rateLimit, now: now) { until = min(until, at) }
        }
        return Int(max(0, min(until - now, 1000)))
    }
}


/// curl_multi_wakeup is the one libcurl call that is safe from any thread.
private struct MultiWaker: @unchecked Sendable {
    let multi: UnsafeMutableRawPointer
    func wake() { curl_multi_wakeup(multi) }
}

/// An attempt in flight, through either client: what the engine needs back with its outcome.
struct AttemptInFlight {
    let delivery: QueuedDelivery
    /// The lane of the delivery's target, whose slot the attempt holds.
    let lane: TargetLane
    let attempt: Int
    let startedAt: Timestamp
    let startedMonotonic: Int64
}
