import CCrypto

/// Cryptographically secure random bytes from OpenSSL's CSPRNG.
public enum SecureRandom {
    /// `count` random bytes from RAND_bytes; empty for `count <= 0`.
    /// Traps if the CSPRNG fails: returning predictable bytes (nonces, tokens) would be worse.
    public static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { CryptoError.unrecoverable("RAND_bytes") }
            var offset = 0
            while offset < count {
                let chunk = min(count - offset, Int(Int32.max))  // RAND_bytes takes an int length
                guard RAND_bytes(base + offset, Int32(chunk)) == 1 else { CryptoError.unrecoverable("RAND_bytes") }
                offset += chunk
            }
            initialized = count
        }
    }
}
