import Testing
@testable import Adapters
@Test func placeholder() { #expect(true) }
