import Rules

/// Pieces every adapter shares, so no provider file repeats them.
enum AdapterSupport {
    /// Whether `candidate` equals any configured secret (rotation), each compared in constant time.
    static func matchesAny(_ candidate: [UInt8], _ secrets: [Secret]) -> Bool {
        var ok = false
        for s in secrets where ConstantTime.equals(candidate, s.bytes) { ok = true }
        return ok
    }

    /// Parses the body (as much of it as the request's demand asks), or a 400 naming where it broke.
    static func parse(_ request: InboundRequest) throws(AdapterError) -> JSONValue {
        do {
            return try JSONValue.parse(request.body, demand: request.bodyDemand)
        } catch {
            throw .badRequest("malformed JSON: \(error)")
        }
    }

    /// The body must be a JSON object (every provider sends one).
    static func parseObject(_ request: InboundRequest) throws(AdapterError) -> JSONValue {
        let v = try parse(request)
        guard case .object = v else { throw .badRequest("the body must be a JSON object") }
        return v
    }

    /// Headers with lower-case names, credential-carrying ones dropped.
    static func keptHeaders(_ request: InboundRequest, dropping credentials: [String]) -> [HTTPField] {
        var out: [HTTPField] = []
        out.reserveCapacity(request.headers.count)
        // By index: iterating copied each field (two retains and releases) before it was looked at.
        for i in request.headers.indices {
            let name = request.headers[i].name.asciiLowercased
            if name == "authorization" || name == "cookie" || credentials.contains(name) { continue }
            out.append(HTTPField(name, request.headers[i].value))
        }
        return out
    }

    /// Body paths from their text (`data.key.id`), for `bodyPaths`. Only literals of our own go here.
    static func paths(_ texts: String...) -> [FieldPath] {
        texts.map { text in
            guard let path = try? FieldPath(parsing: text) else { preconditionFailure("invalid built-in body path '\(text)'") }
            return path
        }
    }

    /// Deduplication id for senders that give none: the body's SHA-256.
    static func bodyHash(_ body: [UInt8]) -> String { "sha256:" + Digest.sha256Hex(body) }

    /// Text of a JSON scalar (numbers as written), for ids and attributes.
    /// `s`, unless it is absent or empty: an empty id would make every such event a duplicate of the first.
    static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.isEmpty else { return nil }
        return s
    }

    static func text(_ v: JSONValue?) -> String? {
        switch v {
        case .string(let s)?: return s
        case .number(let n)?: return n.text
        case .bool(let b)?: return b ? "true" : "false"
        default: return nil
        }
    }

    static func contentType(_ request: InboundRequest) -> String {
        request.header("content-type") ?? "application/json"
    }

    /// Builds the event; every adapter ends here.
    static func event(_ request: InboundRequest, source: String, type: String, id: String, time: Timestamp?, now: Timestamp,
                      attributes: JSONObject, data: JSONValue, dropping credentials: [String]) -> Event {
        Event(id: id, source: source, type: type, time: time ?? now, receivedAt: now,
              headers: keptHeaders(request, dropping: credentials), attributes: attributes, data: data,
              body: request.body, contentType: contentType(request))
    }

    /// A path given in an adapter's config (`type: evento`, `id: { path: dados.chave }`), into the body.
    static func bodyPath(_ config: MappingReader, _ text: String, at location: SourceLocation?) -> FieldPath? {
        do {
            return try FieldPath(parsing: text)
        } catch {
            config.context.error("path", "invalid body path '\(text)' in \(config.subject): \(error.message)", at: location)
            return nil
        }
    }

    /// Seconds or milliseconds since the epoch as a timestamp.
    static func epoch(_ v: JSONValue?, milliseconds: Bool) -> Timestamp? {
        guard let t = text(v), let n = Int64(t), n > 0 else { return nil }
        // Past 2262 the nanoseconds would wrap to some other date: treat as absent (the time of receipt).
        guard n <= Int64.max / (milliseconds ? 1_000_000 : 1_000_000_000) else { return nil }
        return milliseconds ? Timestamp(milliseconds: n) : Timestamp(seconds: n)
    }
}

extension String {
    /// Lower-cases ASCII letters only (header names are ASCII tokens); no allocation when already lower.
    var asciiLowercased: String {
        guard utf8.contains(where: { $0 >= 65 && $0 <= 90 }) else { return self }
        return String(decoding: utf8.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
