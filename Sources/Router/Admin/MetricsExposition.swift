/// `GET /metrics`: every counter and gauge the router keeps, in Prometheus text format.
struct MetricsExposition {
    let ingest: IngestMetrics
    let delivery: DeliveryMetrics
    let streams: StreamMetrics
    let reloader: Reloader
    let config: LiveConfig
    let store: EventStore

    func render() -> String {
        var p = PrometheusText()
        let i = ingest.snapshot
        p.family("hookrouter_requests_total", "counter", "Ingest requests answered, by source and status.")
        for (k, v) in i.requests.sorted(by: { ($0.key.a, $0.key.b) < ($1.key.a, $1.key.b) }) {
            p.sample("hookrouter_requests_total", [("source", k.a), ("status", k.b)], v)
        }
        p.family("hookrouter_events_total", "counter", "Events stored, by source and type.")
        for (k, v) in i.events.sorted(by: { ($0.key.a, $0.key.b) < ($1.key.a, $1.key.b) }) {
            p.sample("hookrouter_events_total", [("source", k.a), ("type", k.b)], v)
        }
        p.family("hookrouter_events_unrouted_total", "counter", "Events stored that no route matched, by source.")
        for (k, v) in i.unrouted.sorted(by: { $0.key < $1.key }) { p.sample("hookrouter_events_unrouted_total", [("source", k)], v) }

        let d = delivery.snapshot
        let targets = d.targets.sorted { $0.key < $1.key }
        p.family("hookrouter_delivery_attempts_total", "counter", "Delivery attempts by target and outcome (delivered, failed_will_retry, dead, orphaned).")
        for (name, t) in targets {
            for (outcome, n) in t.outcomes.sorted(by: { $0.key < $1.key }) {
                p.sample("hookrouter_delivery_attempts_total", [("target", name), ("outcome", outcome)], n)
            }
        }
        p.family("hookrouter_delivery_attempt_seconds", "histogram", "Time from request start to the target's answer (or failure).")
        for (name, t) in targets where t.latency.contains(where: { $0 > 0 }) {
            p.histogram("hookrouter_delivery_attempt_seconds", [("target", name)], bounds: DeliveryMetrics.bounds, counts: t.latency, sum: t.latencySum)
        }
        p.family("hookrouter_delivery_queue_depth", "gauge", "Deliveries held in memory waiting to start, by target.")
        for (name, t) in targets { p.sample("hookrouter_delivery_queue_depth", [("target", name)], t.queued) }
        p.family("hookrouter_delivery_in_flight", "gauge", "Requests in flight, by target.")
        for (name, t) in targets { p.sample("hookrouter_delivery_in_flight", [("target", name)], t.inFlight) }
        p.family("hookrouter_delivery_oldest_due_seconds", "gauge", "Age of the oldest due delivery not yet started.")
        p.sample("hookrouter_delivery_oldest_due_seconds", [], d.oldestDueSeconds)
        p.family("hookrouter_circuit_open", "gauge", "1 while a target's circuit is open (deliveries wait for a probe).")
        for (name, t) in targets { p.sample("hookrouter_circuit_open", [("target", name)], t.circuitOpen ? 1 : 0) }

        let st = streams.snapshot.sorted { $0.key < $1.key }
        p.family("hookrouter_stream_clients", "gauge", "Clients connected to a stream target, by transport (websocket, sse, poll).")
        for (name, s) in st {
            for (transport, n) in s.clients.sorted(by: { $0.key < $1.key }) { p.sample("hookrouter_stream_clients", [("stream", name), ("transport", transport)], n) }
        }
        p.family("hookrouter_stream_messages_total", "counter", "Messages handed to stream clients (pushed live, replayed from the store) and ordinary ones dropped for slow clients.")
        for (name, s) in st {
            p.sample("hookrouter_stream_messages_total", [("stream", name), ("outcome", "pushed")], s.pushed)
            p.sample("hookrouter_stream_messages_total", [("stream", name), ("outcome", "replayed")], s.replayed)
            p.sample("hookrouter_stream_messages_total", [("stream", name), ("outcome", "dropped")], s.dropped)
        }
        p.family("hookrouter_stream_disconnects_total", "counter", "Stream clients gone, by reason (gone, idle, slow, expired, removed, shutdown, protocol_error, answered).")
        for (name, s) in st {
            for (reason, n) in s.disconnects.sorted(by: { $0.key < $1.key }) { p.sample("hookrouter_stream_disconnects_total", [("stream", name), ("reason", reason)], n) }
        }
        p.family("hookrouter_stream_refused_total", "counter", "Stream requests refused before they were held, by status.")
        for (name, s) in st {
            for (status, n) in s.refused.sorted(by: { $0.key < $1.key }) { p.sample("hookrouter_stream_refused_total", [("stream", name), ("status", String(status))], n) }
        }

        let r = reloader.counts
        p.family("hookrouter_reloads_total", "counter", "Config reloads, by result.")
        p.sample("hookrouter_reloads_total", [("result", "ok")], r.taken)
        p.sample("hookrouter_reloads_total", [("result", "failed")], r.rejected)
        p.family("hookrouter_config_generation", "gauge", "Generation of the running route table (1 at start, +1 per reload taken).")
        p.sample("hookrouter_config_generation", [], config.generation)
        if let released = store.diskReserveReleased {
            p.family("hookrouter_disk_reserve_released", "gauge",
                     "1 while the disk reserve is released: the disk filled, and new events are refused until it has room again.")
            p.sample("hookrouter_disk_reserve_released", [], released ? 1 : 0)
        }
        return p.text
    }
}
