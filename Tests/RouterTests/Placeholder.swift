import Testing
@testable import Router
@Test func placeholder() { #expect(true) }
