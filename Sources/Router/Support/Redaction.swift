import Rules

/// Masks what SPEC §4.2 says must never be shown: every `redact` path of a source (which includes the
/// adapter's credential body fields) is replaced by `"<redacted>"` in a copy of the event.
///
/// Used by `explain` now, and by logs, the admin API and `deliveries` later, so all agree on what is hidden.
enum Redaction {
    static let placeholder = "<redacted>"

    /// The event with every reached value masked (the raw `body` too, when its parsed form changed),
    /// and the text of each masked scalar, so callers can scrub any other place it could show up.
    static func redact(_ event: Event, paths: [EventPath]) -> (event: Event, masked: [String]) {
        var copy = event
        var masked: [String] = []
        for path in paths {
            let rest = path.path.segments.dropFirst()
            switch path.root {
            case .data:
                copy.data = mask(copy.data, rest, &masked)
            case .attributes:
                if case .object(let o) = mask(.object(copy.attributes), rest, &masked) { copy.attributes = o }
            case .headers:
                guard case .key(let name)? = rest.first, rest.count == 1 else { continue }
                for i in copy.headers.indices where copy.headers[i].name.caseInsensitiveEquals(name) {
                    masked.append(copy.headers[i].value)
                    copy.headers[i].value = placeholder
                }
            case .id, .source, .type, .time, .receivedAt:
                // The envelope identifies the event; it never holds a provider's secret.
                continue
            }
        }
        if copy.data != event.data {
            var out: [UInt8] = []
            copy.data.write(into: &out)
            copy.body = out
        }
        return (copy, masked)
    }

    /// Replaces whatever `segments` reach in `value`; `[*]` reaches every element or member.
    static func mask(_ value: JSONValue, _ segments: ArraySlice<FieldPath.Segment>, _ masked: inout [String]) -> JSONValue {
        guard let segment = segments.first else {
            collect(value, into: &masked)
            return .string(placeholder)
        }
        let rest = segments.dropFirst()
        switch (segment, value) {
        case (.key(let k), .object(var o)):
            guard let child = o[k] else { return value }
            o[k] = mask(child, rest, &masked)
            return .object(o)
        case (.index(let n), .array(var a)):
            guard n >= 0, n < a.count else { return value }
            a[n] = mask(a[n], rest, &masked)
            return .array(a)
        case (.wildcard, .array(let a)):
            return .array(a.map { mask($0, rest, &masked) })
        case (.wildcard, .object(let o)):
            return .object(JSONObject(o.map { ($0.key, mask($0.value, rest, &masked)) }))
        default:
            return value
        }
    }

    /// The scalar texts inside a masked value.
    private static func collect(_ value: JSONValue, into out: inout [String]) {
        switch value {
        case .string(let s): out.append(s)
        case .number(let n): out.append(n.text)
        case .array(let a): for v in a { collect(v, into: &out) }
        case .object(let o): for (_, v) in o { collect(v, into: &out) }
        case .null, .bool: break
        }
    }

    /// Replaces every occurrence of each secret text in `text`: the last line of defence for output
    /// that echoes input in a form the structured masking did not see (a raw body, a header).
    /// Texts shorter than 4 characters are left alone: masking every "42" would garble the output
    /// while hiding nothing a reader could not guess.
    static func scrub(_ text: String, secrets: [String]) -> String {
        var out = text
        for secret in Set(secrets) where secret.utf8.count >= 4 {
            out = out.replacingAll(secret, with: placeholder)
        }
        return out
    }
}

extension String {
    /// Every non-overlapping occurrence of `target` replaced, without Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
