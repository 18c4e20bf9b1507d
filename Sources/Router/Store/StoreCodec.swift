import Adapters
import Rules

/// How headers and bodies are laid out at rest, sealed with AES-256-GCM when a store key is set.
struct StoreCodec: Sendable {
    let key: AESGCMKey?

    var seals: Bool { key != nil }

    /// Headers as a JSON array of [name, value] pairs (order and repeats kept).
    static func encodeHeaders(_ headers: [HTTPField]) -> [UInt8] {
        // By index, the texts read in place: through a lazy map of pairs each field was copied (four
        // reference counts) twice, for its size and for its text.
        var capacity = 2
        for i in headers.indices { capacity += headers[i].name.utf8.count + headers[i].value.utf8.count + 8 }
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        out.append(UInt8(ascii: "["))
        for i in headers.indices { appendPair(headers[i].name, headers[i].value, first: i == 0, into: &out) }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// An event's planned deliveries as `[["route","target"],…]`, in delivery-id order (`event_keys.planned`).
    static func encodePlan(_ deliveries: [PlannedDelivery]) -> String {
        String(decoding: encodePairs(deliveries.lazy.map { ($0.route, $0.target) }, capacity: deliveries.count * 32), as: UTF8.self)
    }

    /// The targets of a plan `encodePlan` wrote, in delivery-id order ('' has none).
    static func planTargets(_ plan: String) -> [String] {
        plan.isEmpty ? [] : ((try? JSONValue.parse(plan))?.arrayValue ?? []).compactMap { $0[1]?.stringValue }
    }

    /// Integers as a JSON array, for SQL that reads them with `json_each` (`IN (SELECT value FROM json_each(?))`).
    static func jsonArray(_ ids: some Sequence<Int64>) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    /// A JSON array of two-string arrays.
    static func encodePairs(_ pairs: some Sequence<(String, String)>, capacity: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        out.append(UInt8(ascii: "["))
        for (i, p) in pairs.enumerated() { appendPair(p.0, p.1, first: i == 0, into: &out) }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// `["a","b"]`, after a comma unless it is the first.
    private static func appendPair(_ a: String, _ b: String, first: Bool, into out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "["))
        JSONValue.writeString(a, into: &out)
        out.append(UInt8(ascii: ","))
        JSONValue.writeString(b, into: &out)
        out.append(UInt8(ascii: "]"))
    }

    static func decodeHeaders(_ bytes: [UInt8]) -> [HTTPField] {
        guard let v = try? JSONValue.parse(bytes), case .array(let pairs) = v else { return [] }
        return pairs.compactMap { p in
            guard let name = p[0]?.stringValue, let value = p[1]?.stringValue else { return nil }
            return HTTPField(name, value)
        }
    }

    static func encodeAttributes(_ attributes: JSONObject) -> [UInt8] {
        // Most adapters derive none: one shared `{}` rather than an array per event.
        if attributes.isEmpty { return emptyObject }
        var out: [UInt8] = []
        JSONValue.object(attributes).write(into: &out)
        return out
    }

    private static let emptyObject: [UInt8] = Array("{}".utf8)

    static func decodeAttributes(_ bytes: [UInt8]) -> JSONObject {
        (try? JSONValue.parse(bytes))?.objectValue ?? JSONObject()
    }

    /// The additional data binds a sealed blob to its row, so blobs cannot be swapped between events.
    static func aad(source: String, eventID: String, part: String) -> [UInt8] {
        Array("\(source)\u{0}\(eventID)\u{0}\(part)".utf8)
    }

    func seal(_ plain: [UInt8], source: String, eventID: String, part: String) -> [UInt8] {
        guard let key else { return plain }
        return key.seal(plain, aad: Self.aad(source: source, eventID: eventID, part: part))
    }

    func open(_ stored: [UInt8], sealed: Bool, source: String, eventID: String, part: String) throws(UnsealError) -> [UInt8] {
        guard sealed else { return stored }
        guard let key else { throw .missingKey }
        do {
            return try key.open(stored, aad: Self.aad(source: source, eventID: eventID, part: part))
        } catch {
            throw .wrongKey
        }
    }
}

/// A stored event that cannot be read back in clear.
enum UnsealError: Error, CustomStringConvertible {
    case missingKey
    case wrongKey

    var description: String {
        switch self {
        case .missingKey: return "the event is encrypted at rest and settings.store_key is not set; set it to the key it was stored with"
        case .wrongKey: return "the event does not decrypt with settings.store_key; it was stored with another key"
        }
    }
}
