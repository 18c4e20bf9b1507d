/// A JSON object that keeps its keys in the order they were written.
///
/// Webhook objects are small; a linear scan beats hashing for the sizes providers send.
public struct JSONObject: Sendable, Hashable, Sequence {
    public typealias Element = (key: String, value: JSONValue)
    private var keysInOrder: [String]
    private var values: [JSONValue]

    public init(_ pairs: [(String, JSONValue)] = []) {
        keysInOrder = []
        values = []
        keysInOrder.reserveCapacity(pairs.count)
        values.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    /// Builds from pairs known to have unique keys (the parser checks).
    init(uniqueKeys keys: [String], values: [JSONValue]) {
        self.keysInOrder = keys
        self.values = values
    }

    public var count: Int { keysInOrder.count }
    public var keys: [String] { keysInOrder }
    public var isEmpty: Bool { keysInOrder.isEmpty }

    /// Where `key` is, for lookups that read the value in place.
    /// Compares lengths first: `count` of a native or small string is a field read, while `==` on
    /// different strings is a call into the runtime.
    @inline(__always)
    func index(forKey key: String) -> Int? {
        let length = key.utf8.count
        return keysInOrder.withUnsafeBufferPointer { keys in
            for i in 0..<keys.count where keys[i].utf8.count == length && keys[i] == key { return i }
            return nil
        }
    }

    @inline(__always)
    func value(at i: Int) -> JSONValue { values[i] }

    /// The values in order, read in place (no copy of each element).
    @inline(__always)
    func withValues<R>(_ body: (UnsafeBufferPointer<JSONValue>) -> R) -> R {
        values.withUnsafeBufferPointer(body)
    }

    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = keysInOrder.firstIndex(of: key) else { return nil }
            return values[i]
        }
        set {
            if let i = keysInOrder.firstIndex(of: key) {
                if let newValue { values[i] = newValue } else {
                    keysInOrder.remove(at: i)
                    values.remove(at: i)
                }
            } else if let newValue {
                keysInOrder.append(key)
                values.append(newValue)
            }
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        let old = self[key]
        self[key] = nil
        return old
    }

    public func makeIterator() -> AnyIterator<Element> {
        var i = 0
        return AnyIterator {
            guard i < keysInOrder.count else { return nil }
            defer { i += 1 }
            return (keysInOrder[i], values[i])
        }
    }

    /// Objects are equal when they hold the same members, whatever the order. A key is looked up as the
    /// parser tells keys apart (same UTF-8 length and ==) before String == alone: a parsed object may hold
    /// two canonically equivalent keys of different lengths ("\u00e9" and "e\u0301"), and each must find
    /// its own member, or the object is not equal to itself (fuzz/json found one).
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.count == b.count else { return false }
        for (i, k) in a.keysInOrder.enumerated() {
            let other = b.index(forKey: k).map { b.values[$0] } ?? b[k]
            if other != a.values[i] { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        var combined = 0
        for (i, k) in keysInOrder.enumerated() {
            var h = Hasher()
            h.combine(k)
            h.combine(values[i])
            combined ^= h.finalize()
        }
        hasher.combine(combined)
    }
}
