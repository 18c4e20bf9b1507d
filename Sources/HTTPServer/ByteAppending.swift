extension Array where Element == UInt8 {
    /// Appends a literal's bytes. Through `"…".utf8` each literal was a String: a retain and release and
    /// the generic sequence path, for bytes known when compiling.
    @inline(__always)
    public mutating func append(literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends a string's UTF-8 bytes, read in place when the string is contiguous (native strings are).
    @inline(__always)
    public mutating func append(utf8 text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil { append(contentsOf: text.utf8) }
    }
}
