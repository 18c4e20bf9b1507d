/// Buffer helpers shared by the crypto files (namespaced to stay clear of other Adapters code).
enum CryptoBuffers {
    /// Calls `body` with a pointer that is never nil, even for an empty array: OpenSSL treats
    /// a NULL key differently from an empty key, and Swift may give a nil base for empty arrays.
    @inline(__always)
    static func withNonNull<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        bytes.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { return body(base, buffer.count) }
            var zero: UInt8 = 0
            return withUnsafePointer(to: &zero) { body($0, 0) }
        }
    }

    /// Calls `body` with the contiguous UTF-8 bytes of `text`, copying only if it is not native.
    @inline(__always)
    static func withUTF8<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var text = text
        return text.withUTF8(body)
    }
}
