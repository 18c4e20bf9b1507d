import CCurl
import CLinux  // SOCK_CLOEXEC: with CLinux in the module (Plain/), a whole-module build finds it only here
import Rules
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP request in flight on the libcurl multi handle, with the buffers libcurl points into.
/// libcurl calls back with this object's pointer (`Unmanaged`) in the userdata slots. The easy handle
/// comes from the pool and goes back to it when the transfer ends (removed from the multi handle first).
final class Transfer {
    let easy: UnsafeMutableRawPointer
    private let pool: EasyHandlePool
    let delivery: QueuedDelivery
    let attempt: Int
    let startedAt: Timestamp
    let startedMonotonic: Int64
    /// The body libcurl reads from; owned here so it outlives every callback.
    private let body: UnsafeMutableRawBufferPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// The first `responseLimit` bytes of the answer.
    private(set) var response: [UInt8] = []
    private(set) var retryAfter: String?
    /// Where an untrusted target may connect (nil: anywhere), and why a connection was refused.
    private let outbound: OutboundPolicy?
    fileprivate(set) var refusal: String?
    /// libcurl writes its detailed error text here.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    static let responseLimit = 1024

    init?(request: OutboundRequest, delivery: QueuedDelivery, attempt: Int, timeoutMilliseconds: Int64, now: Timestamp, monotonic: Int64,
          pool: EasyHandlePool, outbound: OutboundPolicy? = nil) {
        guard let easy = pool.take() else { return nil }
        self.easy = easy
        self.outbound = outbound
        self.pool = pool
        self.delivery = delivery
        self.attempt = attempt
        self.startedAt = now
        self.startedMonotonic = monotonic
        body = UnsafeMutableRawBufferPointer.allocate(byteCount: max(request.body.count, 1), alignment: 1)
        body.copyBytes(from: request.body)

        for field in request.headers where !field.name.caseInsensitiveEquals("content-length") {
            headerList = curl_slist_append(headerList, "\(field.name): \(field.value)")
        }
        // libcurl would otherwise ask large bodies to wait for `100 Continue`, a round trip for nothing.
        headerList = curl_slist_append(headerList, "Expect:")

        // Everything that differs between transfers is set every time: the handle may have sent
        // another target's request before (the pool sets what never differs).
        hr_curl_setopt_ptr(easy, CURLOPT_URL, request.url)
        hr_curl_setopt_ptr(easy, CURLOPT_HTTPHEADER, headerList)
        hr_curl_setopt_ptr(easy, CURLOPT_CUSTOMREQUEST, request.method == "POST" ? nil : request.method)
        hr_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
        hr_curl_setopt_ptr(easy, CURLOPT_POSTFIELDS, body.baseAddress)
        hr_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(max(timeoutMilliseconds, 1)))
        hr_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(min(max(timeoutMilliseconds, 1), 10_000)))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        hr_curl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer)

        let me = Unmanaged.passUnretained(self).toOpaque()
        hr_curl_setopt_ptr(easy, CURLOPT_PRIVATE, me)
        hr_curl_setopt_ptr(easy, CURLOPT_WRITEDATA, me)
        hr_curl_setopt_ptr(easy, CURLOPT_HEADERDATA, me)
        let write: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, user in
            guard let user, let data else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
            let n = size * count
            let room = Transfer.responseLimit - transfer.response.count
            if room > 0 {
                data.withMemoryRebound(to: UInt8.self, capacity: n) { transfer.response.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(n, room))) }
            }
            return n  // read and drop the rest: the connection stays reusable
        }
        let header: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, user in
            guard let user, let data else { return 0 }
            let n = size * count
            if let value = Transfer.retryAfterValue(UnsafeRawBufferPointer(start: data, count: n)) {
                Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().retryAfter = value
            }
            return n
        }
        hr_curl_setopt_ptr(easy, CURLOPT_WRITEFUNCTION, unsafeBitCast(write, to: UnsafeRawPointer.self))
        hr_curl_setopt_ptr(easy, CURLOPT_HEADERFUNCTION, unsafeBitCast(header, to: UnsafeRawPointer.self))
        // An untrusted target's every resolved address is checked as libcurl opens the socket, so a name
        // that resolves (or rebinds) to this machine or its networks is refused after DNS, not before.
        if let outbound {
            hr_curl_setopt_ptr(easy, CURLOPT_PROTOCOLS_STR, outbound.allowHTTP ? "http,https" : "https")
            hr_curl_setopt_ptr(easy, CURLOPT_OPENSOCKETDATA, me)
            hr_curl_setopt_ptr(easy, CURLOPT_OPENSOCKETFUNCTION, unsafeBitCast(Transfer.openSocket, to: UnsafeRawPointer.self))
        } else {
            hr_curl_setopt_ptr(easy, CURLOPT_PROTOCOLS_STR, "http,https")
            hr_curl_setopt_ptr(easy, CURLOPT_OPENSOCKETFUNCTION, nil)  // the pooled handle may have had one
        }
    }

    /// libcurl's open-socket hook for untrusted targets: refuses a blocked address (CURL_SOCKET_BAD, and
    /// the reason kept for the attempt's error), else opens the socket as libcurl would.
    private static let openSocket: @convention(c) (UnsafeMutableRawPointer?, curlsocktype, UnsafeMutablePointer<curl_sockaddr>?) -> curl_socket_t = { user, _, address in
        guard let user, let address else { return CURL_SOCKET_BAD }
        let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
        let family = address.pointee.family
        let offset = MemoryLayout<curl_sockaddr>.offset(of: \.addr)!
        let raw = UnsafeRawPointer(address) + offset
        var bytes: [UInt8] = []
        if family == AF_INET {
            bytes = withUnsafeBytes(of: raw.load(as: sockaddr_in.self).sin_addr) { Array($0) }
        } else if family == AF_INET6 {
            bytes = withUnsafeBytes(of: raw.load(as: sockaddr_in6.self).sin6_addr) { Array($0) }
        }
        guard !bytes.isEmpty else {
            transfer.refusal = "an address of family \(family) (only IPv4 and IPv6 are allowed)"
            return CURL_SOCKET_BAD
        }
        if let why = transfer.outbound?.refusal(bytes) {
            transfer.refusal = why
            return CURL_SOCKET_BAD
        }
        return socket(family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
    }

    deinit {
        pool.give(easy)
        curl_slist_free_all(headerList)
        body.deallocate()
        errorBuffer.deallocate()
    }

    /// The value of a `Retry-After:` header line (name in any case), untrimmed; nil for any other line.
    /// Compares bytes: this runs for every header line of every answer, and almost all are other lines.
    static func retryAfterValue(_ line: UnsafeRawBufferPointer) -> String? {
        let name = "retry-after:".utf8
        guard line.count >= name.count else { return nil }
        for (i, expected) in name.enumerated() {
            let b = line[i]
            let lowered = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
            guard lowered == expected else { return nil }
        }
        return String(decoding: line[name.count...], as: UTF8.self)
    }

    /// The attempt's result once libcurl says the transfer is done.
    func result(_ code: CURLcode) -> AttemptResult {
        guard code == CURLE_OK else {
            if let refusal { return .failed("refused to connect: \(refusal), and this target is untrusted (created through the subscriptions API; settings.subscriptions.allow_networks can allow it)") }
            let detail = String(cString: UnsafePointer(errorBuffer))
            let text = String(cString: curl_easy_strerror(code))
            return .failed(detail.isEmpty ? text : detail)  // the buffer is the more precise of the two
        }
        var status = 0
        hr_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return .answered(status: status, retryAfterMilliseconds: retryAfter.flatMap(RetryDecision.parseRetryAfter))
    }
}
