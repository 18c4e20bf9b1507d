import Testing
@testable import Router

/// The connection parameters a router adds to its store URL: each unless the URL sets it.
struct PGConnectionDefaultsTests {
    @Test func timeoutsAndKeepalivesAreAddedUnlessGiven() {
        let plain = PGConnection.withDefaults("postgres://u:p@h:5432/db")
        #expect(plain == "postgres://u:p@h:5432/db?connect_timeout=5&tcp_user_timeout=10000&keepalives_idle=10&keepalives_interval=5&keepalives_count=3")
        let own = PGConnection.withDefaults("postgres://u@h/db?sslmode=require&connect_timeout=30&keepalives_idle=60")
        #expect(own == "postgres://u@h/db?sslmode=require&connect_timeout=30&keepalives_idle=60&tcp_user_timeout=10000&keepalives_interval=5&keepalives_count=3")
    }
}
