import Rules

/// The delivery engine's view of the PostgreSQL store: due deliveries are claimed — leased to this
/// router with `FOR UPDATE SKIP LOCKED`, so two routers never take the same one — and before each
/// attempt a lease not known held (`PGLeaseBook`) is confirmed, or taken over once expired. Engine
/// thread only; its own connection, reopened after a failure.
final class PGDeliverySource: DeliverySource {
    let url: String
    let owner: String
    private let codec: StoreCodec
    private let session: PGSession
    /// How long a lease lasts unrenewed.
    let leaseMilliseconds: Int64

    /// The leases known held (shared with this router's writer).
    let leases: PGLeaseBook

    init(url: String, owner: String, codec: StoreCodec, leases: PGLeaseBook = PGLeaseBook(),
         leaseMilliseconds: Int64 = PostgresEventStore.leaseMilliseconds) {
        self.leases = leases
        self.url = url
        self.owner = owner
        self.codec = codec
        self.leaseMilliseconds = leaseMilliseconds
        session = PGSession(url: url)
    }

    @discardableResult
    private func run(_ sql: String, _ params: [String?]) throws -> [[String?]] {
        try session.query(sql, params)
    }

    /// Claims: pending, due, and free (no lease, an expired one, or ours); `%@` picks the targets.
    private static let claim = """
        UPDATE deliveries d SET lease_owner = $1, lease_until_ms = $2
        FROM (SELECT x.id FROM deliveries x
              WHERE x.status = 'pending' AND x.next_attempt_ms <= $3 AND (x.lease_owner IS NULL OR x.lease_owner = $1 OR x.lease_until_ms < $4)
                AND %@
              ORDER BY x.next_attempt_ms, x.id LIMIT $5 FOR UPDATE SKIP LOCKED) c, events e
        WHERE d.id = c.id AND e.seq = d.event_seq
        RETURNING d.id, d.event_seq, d.route, d.target, d.attempts, d.next_attempt_ms, d.attempt_base, e.source, e.event_id, d.created_ms
        """
    private static let claimDue = claim.replacing("%@", with: "x.target = $6")
    private static let claimOrphans = claim.replacing("%@", with: "NOT (x.target = ANY($6::text[]))")

    func dueDeliveries(target: String, by horizon: Int64, after cursor: DueCursor, limit: Int) throws -> [QueuedDelivery] {
        let now = WallClock.now().milliseconds
        return claimed(try run(Self.claimDue,
                               [owner, String(now + leaseMilliseconds), String(horizon), String(now), String(limit), target]), until: now + leaseMilliseconds)
    }

    func deliveries(notTo targets: [String], limit: Int) throws -> [QueuedDelivery] {
        let now = WallClock.now().milliseconds
        return claimed(try run(Self.claimOrphans,
                               [owner, String(now + leaseMilliseconds), String(Int64.max), String(now), String(limit), PGArray.texts(targets)]),
                       until: now + leaseMilliseconds)
    }

    private func claimed(_ rows: [[String?]], until: Int64) -> [QueuedDelivery] {
        let out = rows.compactMap { r -> QueuedDelivery? in
            guard let id = r[0].flatMap({ Int64($0) }), let seq = r[1].flatMap({ Int64($0) }) else { return nil }
            return QueuedDelivery(id: id, eventSeq: seq, route: r[2] ?? "", target: r[3] ?? "", attempts: r[4].flatMap { Int($0) } ?? 0,
                                  dueMilliseconds: r[5].flatMap { Int64($0) } ?? 0, event: nil, attemptBase: r[6].flatMap { Int($0) } ?? 0,
                                  source: r[7] ?? "", eventID: r[8] ?? "", createdMilliseconds: r[9].flatMap { Int64($0) } ?? 0, hasRow: true)
        }
        leases.grant(out.map(\.id), until: until)
        return out
    }

    /// Known held for at least half a lease more: no round trip. The rest are confirmed (and extended)
    /// in one UPDATE; half a lease of margin also covers clocks between routers that disagree by seconds.
    func notHeld(_ ids: [Int64], now: Int64) -> Set<Int64> {
        let unsure = leases.unsure(ids, horizon: now + leaseMilliseconds / 2)
        guard !unsure.isEmpty else { return [] }
        do {
            let rows = try run("""
                UPDATE deliveries SET lease_owner = $1, lease_until_ms = $2
                WHERE id = ANY($3::bigint[]) AND status = 'pending' AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until_ms < $4)
                RETURNING id
                """, [owner, String(now + leaseMilliseconds), PGArray.ints(unsure), String(now)])
            let confirmed = rows.compactMap { $0[0].flatMap { Int64($0) } }
            leases.grant(confirmed, until: now + leaseMilliseconds)
            let lost = Set(unsure).subtracting(confirmed)
            leases.revoke(lost)
            return lost
        } catch {
            Log.error("cannot confirm delivery leases in the PostgreSQL store; attempting none this round", ["error": "\(error)"])
            return Set(unsure)
        }
    }

    var leaseRenewalMilliseconds: Int64? { leaseMilliseconds / 4 }

    /// One statement for every lease held; a failure is logged and the next turn tries again (a lease
    /// outlives three missed renewals).
    func renewLeases(_ ids: [Int64], now: Int64) {
        leases.prune(now: now)
        guard !ids.isEmpty else { return }
        do {
            let renewed = try run("""
                UPDATE deliveries SET lease_until_ms = $2 WHERE id = ANY($3::bigint[]) AND lease_owner = $1 AND status = 'pending' RETURNING id
                """, [owner, String(now + leaseMilliseconds), PGArray.ints(ids)]).compactMap { $0[0].flatMap { Int64($0) } }
            leases.grant(renewed, until: now + leaseMilliseconds)
            leases.revoke(Set(ids).subtracting(renewed))
        } catch {
            Log.warn("cannot renew delivery leases in the PostgreSQL store; retrying", ["error": "\(error)"])
        }
    }

    func load(seqs: [Int64]) -> [Int64: Result<StoredEvent, DeliveryReader.LoadError>] {
        var out: [Int64: Result<StoredEvent, DeliveryReader.LoadError>] = [:]
        guard !seqs.isEmpty else { return out }
        do {
            let rows = try run("""
                SELECT \(Self.eventColumns) FROM events WHERE seq = ANY($1::bigint[])
                """, [PGArray.ints(seqs)])
            for r in rows {
                guard let seq = r[0].flatMap({ Int64($0) }) else { continue }
                out[seq] = Self.event(r, codec: codec)
            }
        } catch {
            for seq in seqs { out[seq] = .failure(.unreadable("the PostgreSQL store cannot be read: \(error)")) }
            return out
        }
        for seq in seqs where out[seq] == nil { out[seq] = .failure(.missing) }
        return out
    }

    /// The columns `event(_:codec:)` reads.
    static let eventColumns = "seq, source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed"

    static func event(_ r: [String?], codec: StoreCodec) -> Result<StoredEvent, DeliveryReader.LoadError> {
        let source = r[1] ?? "", id = r[2] ?? ""
        let sealed = r[10] == "t"
        do {
            func part(_ i: Int, _ name: String) throws(UnsealError) -> [UInt8] {
                try codec.open(PGBytea.decode(r[i] ?? "") ?? [], sealed: sealed, source: source, eventID: id, part: name)
            }
            let headers = try part(7, "headers"), attributes = try part(8, "attributes"), body = try part(9, "body")
            return .success(StoredEvent(source: source, eventID: id, type: r[3] ?? "", time: Timestamp(milliseconds: r[4].flatMap { Int64($0) } ?? 0),
                                        receivedAt: Timestamp(milliseconds: r[5].flatMap { Int64($0) } ?? 0), contentType: r[6] ?? "",
                                        headers: StoreCodec.decodeHeaders(headers), attributes: StoreCodec.decodeAttributes(attributes),
                                        body: body, deliveries: []))
        } catch {
            return .failure(.unsealable(error))
        }
    }
}
