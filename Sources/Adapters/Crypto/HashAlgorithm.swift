/// Hash functions supported for HMAC signing and verification.
public enum HashAlgorithm: String, Sendable, CaseIterable {
    case sha1, sha256, sha512

    /// Output size in bytes.
    var digestLength: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha512: 64
        }
    }

    /// OpenSSL digest name used to configure the HMAC provider.
    var opensslName: String {
        switch self {
        case .sha1: "SHA1"
        case .sha256: "SHA256"
        case .sha512: "SHA512"
        }
    }
}
