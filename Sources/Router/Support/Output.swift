#if canImport(Glibc)
import Glibc
#endif

/// Writes to the standard streams with write(2): `stderr` is a global var Swift 6 will not share.
enum Output {
    static func stdout(_ s: String) { write(fd: 1, s) }
    static func stderr(_ s: String) { write(fd: 2, s) }

    static func write(fd: Int32, _ s: String) {
        var bytes = Array(s.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
        bytes.removeAll()
    }
}
