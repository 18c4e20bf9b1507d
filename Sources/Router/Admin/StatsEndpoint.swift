import HTTPServer
import Rules

/// `GET /api/stats`: what the fiscal system's statistics page showed — webhooks (targets
/// configured), active ones (a delivery made or attempted in the last 24 h), executions (attempts)
/// in the last 24 h and their success rate (2xx attempts / attempts) — with totals, per target and per source.
extension AdminHandler {
    static let statsWindowMilliseconds: Int64 = 86_400_000

    func stats(store: AdminStore, table: RouteTable) throws(AdminFailure) -> HTTPResponse {
        let now = WallClock.now().milliseconds
        let c = try AdminFailure.reading { try store.reads.stats(since: now - Self.statsWindowMilliseconds) }

        func byStatus(_ counts: [StoreQueries.StatsCounts.Pair: Int], _ name: String) -> JSONValue {
            .object(JSONObject(DeliveryStatus.allCases.map { ($0.rawValue, .number(JSONNumber(counts[.init(name: name, status: $0.rawValue)] ?? 0))) }))
        }
        func rate(_ ok: Int, _ all: Int) -> JSONValue { all == 0 ? .null : (JSONNumber(Self.ratio(ok, all)).map(JSONValue.number) ?? .null) }

        // Configured names first, in file order; then names only the store still knows (removed by a reload).
        var targetNames = table.targets.map(\.name)
        for name in Set(c.deliveries.keys.map(\.name)).union(c.attemptsInWindow.keys).sorted() where !targetNames.contains(name) { targetNames.append(name) }
        var sourceNames = table.sources.map(\.name)
        for name in c.events.keys.sorted() where !sourceNames.contains(name) { sourceNames.append(name) }

        var active = 0
        let targets: [JSONValue] = targetNames.map { name in
            let attempts = c.attemptsInWindow[name] ?? 0, delivered = c.deliveredAttemptsInWindow[name] ?? 0
            let made = DeliveryStatus.allCases.reduce(0) { $0 + (c.deliveriesInWindow[.init(name: name, status: $1.rawValue)] ?? 0) }
            let configured = table.targetIndex(named: name) != nil
            let isActive = attempts > 0 || made > 0
            if configured, isActive { active += 1 }
            return .object(JSONObject([
                ("name", .string(name)), ("configured", .bool(configured)), ("active", .bool(isActive)),
                ("executions_24h", .number(JSONNumber(attempts))), ("delivered_24h", .number(JSONNumber(delivered))),
                ("success_rate_24h", rate(delivered, attempts)),
                ("deliveries_24h", byStatus(c.deliveriesInWindow, name)), ("deliveries", byStatus(c.deliveries, name)),
            ]))
        }
        let sources: [JSONValue] = sourceNames.map { name in
            .object(JSONObject([
                ("name", .string(name)), ("configured", .bool(table.sourceIndex(named: name) != nil)),
                ("events_24h", .number(JSONNumber(c.eventsInWindow[name] ?? 0))), ("events", .number(JSONNumber(c.events[name] ?? 0))),
                ("deliveries_24h", byStatus(c.sourceDeliveriesInWindow, name)),
            ]))
        }
        let attempts = c.attemptsInWindow.values.reduce(0, +), delivered = c.deliveredAttemptsInWindow.values.reduce(0, +)
        var totals = JSONObject()
        totals["events"] = .number(JSONNumber(c.events.values.reduce(0, +)))
        totals["events_24h"] = .number(JSONNumber(c.eventsInWindow.values.reduce(0, +)))
        totals["deliveries"] = .object(JSONObject(DeliveryStatus.allCases.map { s in
            (s.rawValue, .number(JSONNumber(c.deliveries.filter { $0.key.status == s.rawValue }.values.reduce(0, +))))
        }))
        var o = JSONObject()
        o["generated_at"] = .string(Timestamp(milliseconds: now).rfc3339)
        o["window"] = "24h"
        o["webhooks"] = .number(JSONNumber(table.targets.count))
        o["active"] = .number(JSONNumber(active))
        o["executions_24h"] = .number(JSONNumber(attempts))
        o["delivered_24h"] = .number(JSONNumber(delivered))
        o["success_rate_24h"] = rate(delivered, attempts)
        o["totals"] = .object(totals)
        o["targets"] = .array(targets)
        o["sources"] = .array(sources)
        return AdminAnswer.json(.object(o))
    }

    /// `ok / all` as a decimal with 4 places, exact (no floating point in the JSON): 2/3 → 0.6667.
    static func ratio(_ ok: Int, _ all: Int) -> String { fixedPoint(ok, all, times: 1, decimals: 4) }

    /// `ok * times / all` in decimal text with `decimals` places, rounded half up, without floating point.
    static func fixedPoint(_ ok: Int, _ all: Int, times: Int, decimals: Int) -> String {
        var unit = 1
        for _ in 0..<decimals { unit *= 10 }
        let scaled = (ok * times * unit * 2 / all + 1) / 2
        let digits = String(scaled % unit)
        return "\(scaled / unit).\(String(repeating: "0", count: decimals - digits.count))\(digits)"
    }
}
