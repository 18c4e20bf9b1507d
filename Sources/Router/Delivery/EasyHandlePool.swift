import CCurl

/// libcurl easy handles kept between transfers, with the options every delivery shares already set.
///
/// A handle per transfer cost an allocation of libcurl's per-handle state and buffers, a dozen
/// `setopt`s and a cleanup for every attempt. Connections live in the multi handle's pool either way,
/// so reuse keeps them. Engine thread only.
final class EasyHandlePool {
    private var idle: [UnsafeMutableRawPointer] = []
    /// Handles kept idle at most; more (after a burst to many targets) are cleaned up.
    let capacity: Int

    init(capacity: Int = 256) {
        self.capacity = capacity
    }

    deinit {
        for easy in idle { curl_easy_cleanup(easy) }
    }

    /// An idle handle, or a new one; nil only when libcurl cannot allocate.
    func take() -> UnsafeMutableRawPointer? {
        if let easy = idle.popLast() { return easy }
        guard let easy = curl_easy_init() else { return nil }
        hr_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        hr_curl_setopt_ptr(easy, CURLOPT_PROTOCOLS_STR, "http,https")  // whatever a URL says, no file://, no gopher://
        hr_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)  // a redirect is the target's mistake to fix, not ours to follow
        hr_curl_setopt_ptr(easy, CURLOPT_USERAGENT, "hookrouter/0.1")
        hr_curl_setopt_long(easy, CURLOPT_POST, 1)
        return easy
    }

    /// Takes back a handle no multi handle holds any more. Pointers into the finished transfer (its
    /// headers, body, error buffer, userdata) are cleared so nothing can reach freed memory.
    func give(_ easy: UnsafeMutableRawPointer) {
        guard idle.count < capacity else {
            curl_easy_cleanup(easy)
            return
        }
        hr_curl_setopt_ptr(easy, CURLOPT_HTTPHEADER, nil)
        hr_curl_setopt_ptr(easy, CURLOPT_POSTFIELDS, nil)
        hr_curl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, nil)
        hr_curl_setopt_ptr(easy, CURLOPT_PRIVATE, nil)
        hr_curl_setopt_ptr(easy, CURLOPT_WRITEDATA, nil)
        hr_curl_setopt_ptr(easy, CURLOPT_HEADERDATA, nil)
        idle.append(easy)
    }
}
