import Testing
@testable import HTTPServer

/// RFC 6455 framing: the examples of §5.7, masking, lengths, fragmentation and every refusal.
struct WebSocketFrameTests {
    /// A client frame: masked with `mask`, as a browser sends it.
    func clientFrame(_ opcode: UInt8, fin: Bool = true, _ payload: [UInt8], mask: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let n = payload.count
        if n < 126 { out.append(0x80 | UInt8(n)) } else if n <= 0xffff { out += [0x80 | 126, UInt8(n >> 8), UInt8(n & 0xff)] } else {
            out.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((UInt64(n) >> UInt64(shift)) & 0xff)) }
        }
        out += mask
        out += payload.enumerated().map { $0.element ^ mask[$0.offset & 3] }
        return out
    }

    func frames(_ bytes: [UInt8], maxFrame: Int = 1 << 20) throws -> [WebSocketFrame] {
        var p = WebSocketFrameParser(maxFrame: maxFrame)
        p.append(bytes)
        var out: [WebSocketFrame] = []
        while let f = try p.next() { out.append(f) }
        return out
    }

    @Test func theRFCExamplesServerSide() {
        // §5.7: a single-frame unmasked text message "Hello", and an unmasked ping.
        #expect(WebSocketFrame.text("Hello").serialized() == [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])
        #expect(WebSocketFrame(opcode: .ping, payload: Array("Hello".utf8)).serialized() == [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])
        // 256 bytes take a 16-bit length, 64 KiB a 64-bit one.
        #expect(Array(WebSocketFrame(opcode: .binary, payload: Array(repeating: 0, count: 256)).serialized().prefix(4)) == [0x82, 0x7e, 0x01, 0x00])
        #expect(Array(WebSocketFrame(opcode: .binary, payload: Array(repeating: 0, count: 65536)).serialized().prefix(10))
                == [0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0])
    }

    @Test func theRFCMaskedHelloUnmasks() throws {
        let bytes: [UInt8] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        #expect(try frames(bytes) == [.text("Hello")])
        #expect(clientFrame(0x1, Array("Hello".utf8)) == bytes)
    }

    @Test func framesSplitAtEveryByteComeOutTheSame() throws {
        let stream = clientFrame(0x1, fin: false, Array("Hel".utf8)) + clientFrame(0x9, []) + clientFrame(0x0, Array("lo".utf8))
            + clientFrame(0x2, Array(repeating: 7, count: 300)) + clientFrame(0x2, Array(repeating: 9, count: 70_000))
        let whole = try frames(stream)
        #expect(whole.map(\.opcode) == [.text, .ping, .continuation, .binary, .binary])
        #expect(whole[4].payload.count == 70_000 && whole[4].payload.allSatisfy { $0 == 9 })
        for cut in [1, 2, 3, 5, 7, 11, 64, 4096] {
            var p = WebSocketFrameParser(maxFrame: 1 << 20)
            var out: [WebSocketFrame] = []
            var i = 0
            while i < stream.count {
                p.append(stream[i..<min(i + cut, stream.count)])
                i += cut
                while let f = try p.next() { out.append(f) }
            }
            #expect(out == whole, "split every \(cut) bytes")
            #expect(p.buffered == 0)
        }
    }

    @Test(arguments: [
        ([0x81, 0x05] + Array("Hello".utf8), WebSocketFrameParser.Failure.unmasked),
        ([0xC1, 0x80, 1, 2, 3, 4], .reservedBits),
        ([0x83, 0x80, 1, 2, 3, 4], .unknownOpcode(3)),
        ([0x89, 0xFE, 0x00, 0x7E] + Array(repeating: 0, count: 130), .controlFrameTooLong(126)),
        ([0x09, 0x80, 1, 2, 3, 4], .fragmentedControlFrame),
        ([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], .lengthOutOfRange),
        ([0x82, 0xFE, 0xFF, 0xFF], .frameTooLarge(65535)),
    ] as [([UInt8], WebSocketFrameParser.Failure)])
    func refuses(_ bytes: [UInt8], _ failure: WebSocketFrameParser.Failure) {
        #expect(throws: failure) { _ = try frames(bytes, maxFrame: 1024) }
        #expect(failure.closeCode == (failure == .frameTooLarge(65535) ? .messageTooBig : .protocolError))
    }

    @Test func anOversizedFrameIsRefusedFromItsHeader() throws {
        var p = WebSocketFrameParser(maxFrame: 1024)
        p.append([0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0])  // 4 GiB announced, nothing of it sent
        #expect(throws: WebSocketFrameParser.Failure.frameTooLarge(1 << 32)) { _ = try p.next() }
    }

    @Test func closeFramesCarryTheirCodeAndACutReason() {
        let f = WebSocketFrame.close(.policyViolation, reason: String(repeating: "é", count: 100))
        #expect(f.payload.count <= 125 && f.payload.count % 2 == 0, "cut at a character, not inside one")
        #expect(Array(f.payload.prefix(2)) == [0x03, 0xf0])
        #expect(WebSocketFrame.close(.normal).serialized() == [0x88, 0x02, 0x03, 0xe8])
    }
}

struct WebSocketMessageTests {
    func take(_ frames: [WebSocketFrame], maxMessage: Int = 1024) throws -> [WebSocketMessageAssembler.Message] {
        var a = WebSocketMessageAssembler(maxMessage: maxMessage)
        return try frames.compactMap { try a.take($0) }
    }

    @Test func fragmentsJoinAroundControlFrames() throws {
        let got = try take([
            WebSocketFrame(fin: false, opcode: .text, payload: Array("Hel".utf8)),
            WebSocketFrame(opcode: .ping, payload: [1]),
            WebSocketFrame(fin: false, opcode: .continuation, payload: Array("l".utf8)),
            WebSocketFrame(opcode: .continuation, payload: Array("o".utf8)),
            WebSocketFrame(opcode: .binary, payload: [0xff]),
            WebSocketFrame(opcode: .close, payload: [0x03, 0xe8] + Array("bye".utf8)),
        ])
        #expect(got == [.ping([1]), .text("Hello"), .binary([0xff]), .close(code: 1000, reason: "bye")])
    }

    @Test func aCharacterSplitAcrossFragmentsIsValid() throws {
        let e = Array("é".utf8)
        #expect(try take([WebSocketFrame(fin: false, opcode: .text, payload: [e[0]]), WebSocketFrame(opcode: .continuation, payload: [e[1]])]) == [.text("é")])
    }

    @Test(arguments: [
        ([WebSocketFrame(opcode: .continuation, payload: [1])], WebSocketMessageAssembler.Failure.continuationWithoutStart),
        ([WebSocketFrame(fin: false, opcode: .text, payload: [0x61]), WebSocketFrame(opcode: .text, payload: [0x62])], .newMessageBeforeEnd),
        ([WebSocketFrame(opcode: .text, payload: [0xc3, 0x28])], .invalidUTF8),
        ([WebSocketFrame(fin: false, opcode: .binary, payload: Array(repeating: 0, count: 1000)),
          WebSocketFrame(opcode: .continuation, payload: Array(repeating: 0, count: 100))], .messageTooLarge(1100)),
        ([WebSocketFrame(opcode: .close, payload: [0x03])], .invalidClosePayload),
        ([WebSocketFrame(opcode: .close, payload: [0x03, 0xed])], .invalidCloseCode(1005)),
        ([WebSocketFrame(opcode: .close, payload: [0x03, 0xe8, 0xff])], .invalidUTF8),
    ] as [([WebSocketFrame], WebSocketMessageAssembler.Failure)])
    func refuses(_ frames: [WebSocketFrame], _ failure: WebSocketMessageAssembler.Failure) {
        #expect(throws: failure) { _ = try take(frames) }
    }

    @Test func anEmptyCloseHasNoCode() throws {
        #expect(try take([WebSocketFrame(opcode: .close, payload: [])]) == [.close(code: nil, reason: "")])
        #expect(WebSocketMessageAssembler.Failure.invalidUTF8.closeCode == .invalidData)
        #expect(WebSocketCloseCode.isValidReceived(4000) && !WebSocketCloseCode.isValidReceived(1006) && !WebSocketCloseCode.isValidReceived(2999))
    }
}
