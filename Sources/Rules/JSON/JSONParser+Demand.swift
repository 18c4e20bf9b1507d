extension JSONValue {
    /// Parses as strictly as `parse(_:maxDepth:)` — the same errors for the same bytes — but builds only
    /// what `demand` asks for and checks the rest without allocating. nil builds everything.
    public static func parse(_ bytes: [UInt8], demand: JSONDemand?, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        // Not `guard let`: a copy of the demand would be retained and released around the parse.
        guard demand?.whole == false else { return try parse(bytes, maxDepth: maxDepth) }
        let result = bytes.withUnsafeBytes { raw in
            // The skipper's stacks start here, on the stack: room for a typical body's open containers
            // and keys (under the 1 KiB a temporary allocation may take without checking the stack).
            withUnsafeTemporaryAllocation(of: JSONParser.SkipFrame.self, capacity: 16) { frames in
                withUnsafeTemporaryAllocation(of: RawKey.self, capacity: 32) { keys in
                    Result { () throws(JSONParseError) -> JSONValue in
                        var parser = JSONParser(bytes: raw.bindMemory(to: UInt8.self), maxDepth: maxDepth)
                        parser.skipFrames = SkipStack(lent: frames)
                        parser.skipKeys = SkipStack(lent: keys)
                        defer { parser.deallocateSkipStacks() }
                        parser.skipWhitespace()
                        let value = try parser.parseValue(depth: 0, demand: demand.unsafelyUnwrapped)
                        parser.skipWhitespace()
                        guard parser.index == parser.bytes.count else { throw parser.fail("unexpected data after the JSON value") }
                        return value
                    }
                }
            }
        }
        return try result.get()
    }
}

/// A key of a skipped or demanded object, by position: compared as bytes, decoded only when escapes or non-ASCII
/// text are involved.
struct RawKey {
    /// The opening quote's offset; the text runs from `start + 1` to `end`.
    let start: Int
    let end: Int
    /// With escapes or non-ASCII bytes: its text is not its bytes, or String equality (canonical
    /// equivalence, "e\u0301" == "\u00e9") is not byte equality.
    let irregular: Bool
}

extension JSONParser {
    mutating func parseValue(depth: Int, demand: JSONDemand) throws(JSONParseError) -> JSONValue {
        if demand.whole { return try parseValue(depth: depth) }
        guard index < bytes.count else { return try parseValue(depth: depth) }  // the same error
        switch bytes[index] {
        case 0x7B: return try parseObject(depth: depth + 1, demand: demand)
        case 0x5B: return try parseArray(depth: depth + 1, demand: demand)
        default: return try parseValue(depth: depth)  // a scalar where a container was wanted: the paths reach nothing below it
        }
    }

    /// Keys are checked as the skipper checks a skipped object's: as byte ranges on its key stack (the
    /// duplicate check compares them as `DuplicateKeys` compares Strings), found among the demand's names
    /// by their bytes when plain. Only a kept member's key becomes a String, so most keys never do.
    mutating func parseObject(depth: Int, demand: JSONDemand) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
        // A cursor of its own, kept in a register, and `index` set around the calls that read it.
        let b = bytes.baseAddress.unsafelyUnwrapped, n = bytes.count
        var i = Self.afterWhitespace(b, index + 1, n)
        if i < n, b[i] == 0x7D {
            index = i + 1
            return .object(JSONObject(uniqueKeys: [], values: []))
        }
        var frame = SkipFrame(keys: skipKeys.count)
        var kept: [String] = [], values: [JSONValue] = []
        while true {
            i = Self.afterWhitespace(b, i, n)
            guard i < n, b[i] == 0x22 else { throw fail("expected a string key", at: i) }
            let quote = i, plain: Bool
            (i, plain) = try skipString(b, quote, n)
            let key = RawKey(start: quote, end: i - 1, irregular: !plain)
            try recordKey(key, in: &frame)
            i = Self.afterWhitespace(b, i, n)
            guard i < n, b[i] == 0x3A else { throw fail("expected ':' after object key", at: i) }
            i = Self.afterWhitespace(b, i + 1, n)
            if let (name, entry) = try member(key, of: demand) {
                // Without `[*]` a demand keeps at most one member per name (two would be duplicates).
                if kept.isEmpty, demand.members == nil {
                    kept.reserveCapacity(demand.keys.count)
                    values.reserveCapacity(demand.keys.count)
                }
                index = i
                if entry >= 0, demand.keys[entry].demand.whole {
                    values.append(try parseValue(depth: depth))  // the usual member, built whole: its demand is not retained for the call
                } else {
                    values.append(try parseValue(depth: depth, demand: entry < 0 ? demand.members.unsafelyUnwrapped : demand.keys[entry].demand))
                }
                i = index
                kept.append(name)
            } else if i < n, b[i] == 0x22 {
                i = try skipString(b, i, n).end  // what skipValue does with it, without its setup
            } else {
                index = i
                try skipValue(depth: depth)
                i = index
            }
            i = Self.afterWhitespace(b, i, n)
            guard i < n else { throw fail("unexpected end of input in object", at: i) }
            if b[i] == 0x2C {
                i += 1
                continue
            }
            guard b[i] == 0x7D else { throw fail("expected ',' or '}' after object member", at: i) }
            index = i + 1
            break
        }
        if skipKeys.count - frame.keys > DuplicateKeys.scanLimit { skippedKeySets.removeLast() }
        skipKeys.count = frame.keys
        return .object(JSONObject(uniqueKeys: kept, values: values))
    }

    /// `record` on the parser's own key stack (a copy while it runs: `record` mutates the parser too).
    @inline(__always)
    private mutating func recordKey(_ key: RawKey, in frame: inout SkipFrame) throws(JSONParseError) {
        var keys = skipKeys
        defer { skipKeys = keys }
        try record(key, in: &frame, keys: &keys)
    }

    /// The member `key` is, if `demand` wants it: the key's text and its entry in `demand.keys`, or -1 for
    /// `demand.members`. A plain key's text is a demanded name's when their bytes are equal, so it takes
    /// that name's String. (An index, not the entry's demand: returning that would retain it.)
    @inline(__always)
    private mutating func member(_ key: RawKey, of demand: JSONDemand) throws(JSONParseError) -> (name: String, entry: Int)? {
        if !key.irregular {
            let text = UnsafeBufferPointer(start: bytes.baseAddress.unsafelyUnwrapped + key.start + 1, count: key.end - key.start - 1)
            if let i = demand.entry(plain: text) { return (demand.keys[i].key, i) }
            return demand.members == nil ? nil : (String(decoding: text, as: UTF8.self), -1)
        }
        let text = try text(of: key)
        if let i = demand.entry(named: text) { return (text, i) }
        return demand.members == nil ? nil : (text, -1)
    }

    /// Elements outside the demand are `null`, so demanded positions keep their index; an array none
    /// of whose elements is wanted comes back empty.
    mutating func parseArray(depth: Int, demand: JSONDemand) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == 0x5D {
            index += 1
            return .array([])
        }
        let keepsAny = demand.members != nil || !demand.indices.isEmpty
        Self.prepare(&openValues)
        let base = openValues.count
        var position = 0
        while true {
            skipWhitespace()
            if keepsAny, let wanted = demand.element(position) {
                openValues.append(try parseValue(depth: depth, demand: wanted))
            } else {
                try skipValue(depth: depth)
                if keepsAny { openValues.append(.null) }
            }
            position += 1
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input in array") }
            if bytes[index] == 0x2C { index += 1; continue }
            if bytes[index] == 0x5D { index += 1; break }
            throw fail("expected ',' or ']' after array element")
        }
        let items = Array(openValues[base...])
        openValues.removeSubrange(base...)
        return .array(items)
    }
}

/// Duplicate keys of one object: a scan of the few keys most objects have, then a hash set. A scan
/// alone is quadratic: one 1 MiB body of 80,000 keys kept the ingest loop busy for seconds, and some
/// providers' bodies are parsed before they can be authenticated (the credential is inside).
struct DuplicateKeys {
    static let scanLimit = 16
    private var seen: Set<String>?

    /// Records `key`; true when `keys` (the object's keys so far) already hold it.
    mutating func insert(_ key: String, among keys: ArraySlice<String>) -> Bool {
        if seen == nil {
            if keys.count < Self.scanLimit {
                let length = key.utf8.count
                return keys.contains { $0.utf8.count == length && $0 == key }
            }
            seen = Set(keys)
        }
        return seen?.insert(key).inserted == false
    }
}
