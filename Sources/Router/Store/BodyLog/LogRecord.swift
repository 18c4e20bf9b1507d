import CLinux

/// One event in the body log: everything its SQLite rows say (so a lost commit can be rebuilt from
/// the log) and its headers, attributes and body, sealed when a store key is set.
///
/// Layout, little-endian: magic "HRB1", u32 record length (header included), u32 CRC-32C of every
/// byte after it; i64 seq, stored_ms, time_ms, received_ms; u8 sealed; then source, event_id, type,
/// content_type, plan, headers, attributes and body, each as a u32 length and its bytes.
///
/// A class: the writer hands a record from its batch to the row inserts, the counters and the answers,
/// and a struct of five strings and three arrays cost eight reference counts per copy (about 2% of the
/// workload's CPU went to copying and destroying records).
final class LogRecord: Equatable {
    let seq: Int64
    let storedMilliseconds: Int64
    let timeMilliseconds: Int64
    let receivedMilliseconds: Int64
    let sealed: Bool
    let source: String
    let eventID: String
    let type: String
    let contentType: String
    /// `event_keys.planned`: the (route, target) pairs as JSON, '' for none.
    let plan: String
    let headers: [UInt8]
    let attributes: [UInt8]
    let body: [UInt8]

    init(seq: Int64, storedMilliseconds: Int64, timeMilliseconds: Int64, receivedMilliseconds: Int64, sealed: Bool,
         source: String, eventID: String, type: String, contentType: String, plan: String,
         headers: [UInt8], attributes: [UInt8], body: [UInt8]) {
        self.seq = seq
        self.storedMilliseconds = storedMilliseconds
        self.timeMilliseconds = timeMilliseconds
        self.receivedMilliseconds = receivedMilliseconds
        self.sealed = sealed
        self.source = source
        self.eventID = eventID
        self.type = type
        self.contentType = contentType
        self.plan = plan
        self.headers = headers
        self.attributes = attributes
        self.body = body
    }

    static func == (a: LogRecord, b: LogRecord) -> Bool {
        a.seq == b.seq && a.storedMilliseconds == b.storedMilliseconds && a.timeMilliseconds == b.timeMilliseconds
            && a.receivedMilliseconds == b.receivedMilliseconds && a.sealed == b.sealed && a.source == b.source
            && a.eventID == b.eventID && a.type == b.type && a.contentType == b.contentType && a.plan == b.plan
            && a.headers == b.headers && a.attributes == b.attributes && a.body == b.body
    }

    static let magic: UInt32 = 0x3142_5248  // "HRB1"
    static let headerSize = 12
    private static let fixedSize = headerSize + 4 * 8 + 1 + 8 * 4

    var encodedSize: Int {
        Self.fixedSize + source.utf8.count + eventID.utf8.count + type.utf8.count + contentType.utf8.count + plan.utf8.count
            + headers.count + attributes.count + body.count
    }

    /// Appends the record to `out`.
    func encode(into out: inout [UInt8]) {
        let start = out.count
        let size = encodedSize
        Self.put(Self.magic, &out)
        Self.put(UInt32(size), &out)
        Self.put(UInt32(0), &out)  // the CRC, filled in below
        Self.put(UInt64(bitPattern: seq), &out)
        Self.put(UInt64(bitPattern: storedMilliseconds), &out)
        Self.put(UInt64(bitPattern: timeMilliseconds), &out)
        Self.put(UInt64(bitPattern: receivedMilliseconds), &out)
        out.append(sealed ? 1 : 0)
        Self.put(source, &out)
        Self.put(eventID, &out)
        Self.put(type, &out)
        Self.put(contentType, &out)
        Self.put(plan, &out)
        Self.put(headers, &out)
        Self.put(attributes, &out)
        Self.put(body, &out)
        let crc = out.withUnsafeBufferPointer { hr_crc32c($0.baseAddress! + start + Self.headerSize, size - Self.headerSize) }
        out.withUnsafeMutableBufferPointer { buf in
            for i in 0..<4 { buf[start + 8 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        }
    }

    /// The record's length from its header, or nil when `bytes` (at least a header) does not start one.
    static func length(header bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= headerSize, read32(bytes, 0) == magic else { return nil }
        let n = Int(read32(bytes, 4))
        return n >= fixedSize ? n : nil
    }

    /// The record `bytes` holds exactly, or nil when it is torn or damaged (magic, length or CRC).
    static func decode(_ bytes: UnsafeRawBufferPointer) -> LogRecord? {
        guard let n = length(header: bytes), n == bytes.count,
              hr_crc32c(bytes.baseAddress! + headerSize, n - headerSize) == read32(bytes, 8) else { return nil }
        var at = headerSize
        func int64() -> Int64 {
            defer { at += 8 }
            return Int64(bitPattern: UInt64(read32(bytes, at)) | UInt64(read32(bytes, at + 4)) << 32)
        }
        func field() -> UnsafeRawBufferPointer? {
            guard at + 4 <= n else { return nil }
            let len = Int(read32(bytes, at))
            at += 4
            guard len <= n - at else { return nil }
            defer { at += len }
            return UnsafeRawBufferPointer(rebasing: bytes[at..<(at + len)])
        }
        let seq = int64(), stored = int64(), time = int64(), received = int64()
        let sealed = bytes[at] == 1
        at += 1
        var strings: [String] = []
        for _ in 0..<5 {
            guard let f = field() else { return nil }
            strings.append(String(decoding: f, as: UTF8.self))
        }
        var blobs: [[UInt8]] = []
        for _ in 0..<3 {
            guard let f = field() else { return nil }
            blobs.append(Array(f))
        }
        guard at == n else { return nil }
        return LogRecord(seq: seq, storedMilliseconds: stored, timeMilliseconds: time, receivedMilliseconds: received, sealed: sealed,
                         source: strings[0], eventID: strings[1], type: strings[2], contentType: strings[3], plan: strings[4],
                         headers: blobs[0], attributes: blobs[1], body: blobs[2])
    }

    /// CRC-32C, as the header holds it.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { hr_crc32c(bytes.baseAddress, bytes.count) }

    private static func put(_ v: UInt32, _ out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: v))
        out.append(UInt8(truncatingIfNeeded: v >> 8))
        out.append(UInt8(truncatingIfNeeded: v >> 16))
        out.append(UInt8(truncatingIfNeeded: v >> 24))
    }

    private static func put(_ v: UInt64, _ out: inout [UInt8]) {
        put(UInt32(truncatingIfNeeded: v), &out)
        put(UInt32(truncatingIfNeeded: v >> 32), &out)
    }

    /// The text's bytes read in place (native strings are contiguous): through `s.utf8` each field was
    /// a retain and the generic sequence path. Self-contained: fuzz/body-log compiles this file alone.
    private static func put(_ s: String, _ out: inout [UInt8]) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { bytes in
            put(UInt32(bytes.count), &out)
            out.append(contentsOf: bytes)
        }
        if done == nil { put(Array(s.utf8), &out) }
    }

    private static func put(_ b: [UInt8], _ out: inout [UInt8]) {
        put(UInt32(b.count), &out)
        out.append(contentsOf: b)
    }

    private static func read32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}
