import CCrypto

/// Comparisons whose running time does not depend on where inputs differ.
public enum ConstantTime {
    /// Length compared first (lengths are not secret), then CRYPTO_memcmp.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return CryptoBuffers.withNonNull(a) { pa, length in
            CryptoBuffers.withNonNull(b) { pb, _ in CRYPTO_memcmp(pa, pb, length) == 0 }
        }
    }

    /// Compares the UTF-8 bytes of `a` and `b`; length first, then CRYPTO_memcmp.
    public static func equals(_ a: String, _ b: String) -> Bool {
        CryptoBuffers.withUTF8(a) { ua in
            CryptoBuffers.withUTF8(b) { ub in
                guard ua.count == ub.count else { return false }
                guard let pa = ua.baseAddress, let pb = ub.baseAddress else { return true }  // both empty
                return CRYPTO_memcmp(pa, pb, ua.count) == 0
            }
        }
    }
}
