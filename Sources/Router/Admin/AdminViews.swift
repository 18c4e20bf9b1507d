import Adapters
import Rules

/// The JSON the admin API shows of the running config. Never a secret: signing and adapter secrets are
/// left out, and static header values are shown only by name.
enum AdminViews {
    static func sources(_ table: RouteTable) -> JSONValue {
        .array(table.sources.map { s in
            var o = JSONObject()
            o["name"] = .string(s.name)
            o["adapter"] = .string(s.adapterName)
            o["path"] = .string(s.path)
            o["by_events"] = .bool(s.byEvents)
            o["rate_limit"] = s.rateLimit.map { .string($0.description) } ?? .null
            o["max_body"] = .number(JSONNumber(s.maxBody))
            o["allow_ips"] = .array(s.allowIPs.map { .string($0.description) })
            o["require"] = .object(JSONObject(s.require.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map { .string($0.description) })) }))
            o["redact"] = .array(s.redact.map { .string($0.description) })
            o["event_types"] = .array((AdapterRegistry.catalog.kinds[s.adapterName]?.eventTypes ?? []).map { .string($0) })
            return .object(o)
        })
    }

    /// A stream target: where clients connect, its limits, and who is connected (never its secrets).
    private static func streamTarget(_ name: String, _ s: StreamSettings, _ live: StreamMetrics.Stream?) -> JSONValue {
        var o = JSONObject()
        o["name"] = .string(name)
        o["kind"] = .string("stream")
        o["path"] = .string(s.path)
        o["auth"] = .string(s.auth.open ? "none" : [s.auth.tokenSecrets.isEmpty ? nil : "token", s.auth.bearerTokens.isEmpty ? nil : "bearer"].compactMap { $0 }.joined(separator: "+"))
        o["replay_window_ms"] = .number(JSONNumber(Int(s.replayWindowMilliseconds)))
        o["queue"] = .number(JSONNumber(s.queueMessages))
        o["max_clients"] = .number(JSONNumber(s.maxClients))
        var clients = JSONObject()
        for (transport, n) in (live?.clients ?? [:]).sorted(by: { $0.key < $1.key }) { clients[transport] = .number(JSONNumber(n)) }
        o["clients"] = .object(clients)
        o["pushed"] = .number(JSONNumber(live?.pushed ?? 0))
        o["dropped"] = .number(JSONNumber(live?.dropped ?? 0))
        return .object(o)
    }

    static func targets(_ table: RouteTable, metrics: DeliveryMetrics.Counts, streams: [String: StreamMetrics.Stream]) -> JSONValue {
        .array(table.targets.map { t in
            var o = JSONObject()
            o["name"] = .string(t.name)
            if let stream = t.stream { return streamTarget(t.name, stream, streams[t.name]) }
            o["kind"] = .string("http")
            o["url"] = .string(t.url)
            o["method"] = .string(t.method)
            o["timeout_ms"] = .number(JSONNumber(Int(t.timeoutMilliseconds)))
            o["headers"] = .array(t.headers.map { .string($0.name) })
            switch t.sign {
            case .hmacSHA256?: o["sign"] = .string("hmac-sha256")
            case .standardWebhooks?: o["sign"] = .string("standard-webhooks")
            case nil: o["sign"] = .null
            }
            switch t.retry {
            case .schedule(let waits): o["retry"] = .object(JSONObject([("schedule_ms", .array(waits.map { .number(JSONNumber(Int($0))) }))]))
            case .exponential(let attempts, let initial, let cap):
                o["retry"] = .object(JSONObject([("attempts", .number(JSONNumber(attempts))), ("backoff_ms", .number(JSONNumber(Int(initial)))),
                                                 ("max_ms", .number(JSONNumber(Int(cap))))]))
            }
            o["concurrency"] = .number(JSONNumber(t.concurrency))
            o["rate_limit"] = t.rateLimit.map { .string($0.description) } ?? .null
            let live = metrics.targets[t.name]
            o["circuit"] = .string(live?.circuitOpen == true ? "open" : "closed")
            o["queued"] = .number(JSONNumber(live?.queued ?? 0))
            o["in_flight"] = .number(JSONNumber(live?.inFlight ?? 0))
            return .object(o)
        })
    }

    static func routes(_ table: RouteTable) -> JSONValue {
        .array(table.routes.map { r in
            var o = JSONObject()
            o["name"] = .string(r.name)
            o["from"] = .array(r.sources.map { .string(table.sources[$0].name) })
            o["events"] = .array(r.events.map { .string($0.text) })
            o["when"] = r.condition.map { .string($0.description) } ?? .null
            o["to"] = .array(r.targets.map { .string(table.targets[$0].name) })
            o["body"] = .string(r.body.name)
            o["final"] = .bool(r.final)
            o["location"] = .string(r.location.description)
            return .object(o)
        })
    }

    /// Event types per adapter, as `check` knows them.
    static func eventTypes() -> JSONValue {
        .object(JSONObject(AdapterRegistry.catalog.names.map { name in
            (name, .array((AdapterRegistry.catalog.kinds[name]?.eventTypes ?? []).map { .string($0) }))
        }))
    }
}
