/// An exact decimal read in place from the bytes of a JSON number (`-229.60e+1`), without allocating.
///
/// The value is `0.d₁d₂…dₙ × 10^exponent` with d₁ ≠ 0 and dₙ ≠ 0; zero has no digits. Digits are read
/// back from the original bytes between `first` and `last`, skipping the decimal point.
struct DecimalScan {
    var negative = false
    /// Decimal exponent of the first significant digit.
    var exponent = 0
    /// Byte offsets of the first and one past the last significant digit; equal for zero.
    var first = 0
    var last = 0

    var isZero: Bool { first == last }

    /// Reads a number already known to follow the JSON grammar.
    init(validated b: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let end = b.count
        if i < end, b[i] == 0x2D { negative = true; i += 1 }
        var digits = 0, integerDigits = -1, leading = 0
        var firstIndex = -1, lastIndex = -1
        while i < end, b[i] != 0x65, b[i] != 0x45 {
            let c = b[i]
            if c == 0x2E {
                integerDigits = digits
            } else {
                if c != 0x30 {
                    if firstIndex < 0 { firstIndex = i; leading = digits }
                    lastIndex = i + 1
                }
                digits += 1
            }
            i += 1
        }
        if integerDigits < 0 { integerDigits = digits }
        var exp = 0
        if i < end {
            i += 1
            var sign = 1
            if i < end, b[i] == 0x2D { sign = -1; i += 1 } else if i < end, b[i] == 0x2B { i += 1 }
            while i < end {
                exp = min(exp &* 10 &+ Int(b[i] &- 0x30), 1_000_000_000)
                i += 1
            }
            exp *= sign
        }
        if firstIndex < 0 {  // zero, whatever its sign or exponent
            negative = false
            return
        }
        first = firstIndex
        last = lastIndex
        exponent = integerDigits - leading + exp
    }

    /// -1, 0 or 1: the numeric order of the two numbers whose bytes `a` and `b` were scanned.
    static func compare(_ x: DecimalScan, in a: UnsafeBufferPointer<UInt8>, _ y: DecimalScan, in b: UnsafeBufferPointer<UInt8>) -> Int {
        if x.isZero || y.isZero {
            if x.isZero && y.isZero { return 0 }
            if x.isZero { return y.negative ? 1 : -1 }
            return x.negative ? -1 : 1
        }
        if x.negative != y.negative { return x.negative ? -1 : 1 }
        let magnitude: Int
        if x.exponent != y.exponent {
            magnitude = x.exponent < y.exponent ? -1 : 1
        } else {
            magnitude = compareDigits(a, x.first, x.last, b, y.first, y.last)
        }
        return x.negative ? -magnitude : magnitude
    }

    /// Compares two digit runs (which may contain one '.') as digit strings padded with zeros.
    static func compareDigits(_ a: UnsafeBufferPointer<UInt8>, _ ai: Int, _ ae: Int,
                              _ b: UnsafeBufferPointer<UInt8>, _ bi: Int, _ be: Int) -> Int {
        var i = ai, j = bi
        while true {
            if i < ae, a[i] == 0x2E { i += 1 }
            if j < be, b[j] == 0x2E { j += 1 }
            let x: UInt8 = i < ae ? a[i] : 0x30
            let y: UInt8 = j < be ? b[j] : 0x30
            if i >= ae && j >= be { return 0 }
            if x != y { return x < y ? -1 : 1 }
            i += 1
            j += 1
        }
    }

    /// The digits and '.' of the significant run, for `DecimalKey`.
    func significantDigits(in b: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        for i in first..<last where b[i] != 0x2E { out.append(b[i]) }
        return out
    }
}

/// A number operand decoded at load time; its digits live in a pool owned by the match program,
/// so the key itself is plain data and comparing against it retains nothing.
struct DecimalKey: Sendable {
    let negative: Bool
    let exponent: Int
    /// The significant digits as ASCII, no point, at `start..<start+count` of the pool; none for zero.
    let start: Int
    let count: Int

    /// Decodes `number`, appending its significant digits to `pool`.
    init(_ number: JSONNumber, pool: inout [UInt8]) {
        let (scan, digits) = number.text.withUTF8Bytes { b in
            let s = DecimalScan(validated: b)
            return (s, s.significantDigits(in: b))
        }
        negative = scan.negative
        exponent = scan.exponent
        start = pool.count
        count = digits.count
        pool += digits
    }

    /// -1, 0 or 1: how the valid number in `b` orders against this key.
    @inline(__always)
    func compare(number b: UnsafeBufferPointer<UInt8>, pool: UnsafeBufferPointer<UInt8>) -> Int {
        let x = DecimalScan(validated: b)
        let y = DecimalScan(negative: negative, exponent: exponent, first: start, last: start + count)
        return DecimalScan.compare(x, in: b, y, in: pool)
    }

    /// The same for text that may not be a number: nil when it is not one.
    func compare(text b: UnsafeBufferPointer<UInt8>, pool: UnsafeBufferPointer<UInt8>) -> Int? {
        guard JSONNumber.isValid(b) else { return nil }
        return compare(number: b, pool: pool)
    }
}

extension DecimalScan {
    init(negative: Bool, exponent: Int, first: Int, last: Int) {
        self.negative = negative
        self.exponent = exponent
        self.first = first
        self.last = last
    }
}
