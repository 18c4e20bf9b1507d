import Testing
@testable import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

/// Answers posted inside `AnswerBatch.run` wake their loop once, when it returns.
struct AnswerBatchTests {
    /// The eventfd's counter, cleared by the read; 0 when nothing woke it.
    func wakes(_ mailbox: Mailbox) -> UInt64 {
        var count: UInt64 = 0
        let n = withUnsafeMutableBytes(of: &count) { read(mailbox.eventFD, $0.baseAddress, 8) }
        return n == 8 ? count : 0
    }

    @Test func answersInABatchWakeTheLoopOnceAtTheEnd() {
        let mailbox = Mailbox(), other = Mailbox()
        let letter = Mailbox.Letter(fd: 3, generation: 1, response: HTTPResponse(status: 202))
        AnswerBatch.run {
            mailbox.post(letter)
            mailbox.post(letter)
            other.post(letter)
            #expect(wakes(mailbox) == 0 && wakes(other) == 0, "woken before the batch ended")
        }
        #expect(wakes(mailbox) == 1)
        #expect(wakes(other) == 1)
        #expect(mailbox.drain().count == 2 && other.drain().count == 1)
        // Outside a batch the first answer wakes at once.
        mailbox.post(letter)
        #expect(wakes(mailbox) == 1)
    }
}
