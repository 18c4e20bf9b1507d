extension String {
    /// Runs `body` on the UTF-8 bytes, in place when the string is contiguous (always, for native
    /// strings): unlike `withUTF8`, no `var` copy of the string (a retain and a release) to call it.
    @inlinable @inline(__always)
    public func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = utf8.withContiguousStorageIfAvailable(body) { return r }
        let copy = Array(utf8)
        return copy.withUnsafeBufferPointer(body)
    }
}
