import Rules

/// The `body: event` form of a normalised event: CloudEvents 1.0 JSON (structured mode).
///
/// Required and optional context attributes are the spec's (`specversion`, `id`, `source`, `type`,
/// `time`, `datacontenttype`, `data`). Two extensions carry what hookrouter adds, named as
/// CloudEvents requires (lower-case letters and digits):
/// - `receivedat`: when hookrouter accepted the request (RFC 3339 text);
/// - `attributes`: the facts the adapter derived (`shop_domain`, `instance`, `action_id`…), as a JSON
///   object exactly as conditions see them. CloudEvents extensions are meant to be scalars; an object
///   keeps the values typed and in one place, which lenient SDKs pass through and every JSON reader sees.
/// Inbound headers are not forwarded: the useful ones already are attributes, the rest describe the
/// provider's HTTP hop, not the event.
enum CloudEvent {
    static func object(for event: Event) -> JSONObject {
        var object = JSONObject()
        object["specversion"] = .string("1.0")
        object["id"] = .string(event.id)
        object["source"] = .string(event.source)
        object["type"] = .string(event.type)
        object["time"] = .string(event.time.rfc3339)
        object["datacontenttype"] = .string("application/json")
        object["receivedat"] = .string(event.receivedAt.rfc3339)
        object["attributes"] = .object(event.attributes)
        object["data"] = event.data
        return object
    }

    /// Compact JSON; numbers are written exactly as the provider sent them.
    static func json(for event: Event) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(event.body.count + 256)
        JSONValue.object(object(for: event)).write(into: &out)
        return out
    }
}
