/// Where a target created through the subscriptions API may connect: not to this machine, its
/// networks or a cloud's metadata service (SSRF), unless an operator's allow-list says so. Checked
/// on the literal host at load time and on every resolved address at connect time.
public struct OutboundPolicy: Sendable {
    /// Addresses no untrusted target may reach, with why.
    static let blocked: [(CIDR, String)] = [
        ("0.0.0.0/8", "this host"), ("127.0.0.0/8", "loopback"), ("10.0.0.0/8", "private"), ("172.16.0.0/12", "private"),
        ("192.168.0.0/16", "private"), ("100.64.0.0/10", "shared (carrier-grade NAT)"), ("169.254.0.0/16", "link-local (cloud metadata)"),
        ("192.0.0.0/24", "IETF protocol assignments"), ("198.18.0.0/15", "benchmarking"), ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"), ("::/128", "unspecified"), ("::1/128", "loopback"), ("fc00::/7", "private (unique local)"),
        ("fe80::/10", "link-local"), ("ff00::/8", "multicast"), ("64:ff9b::/96", "NAT64 (maps to IPv4)"),
    ].map { (CIDR($0.0)!, $0.1) }

    /// Networks the operator allows anyway (`settings.subscriptions.allow_networks`).
    public let allowed: [CIDR]
    /// `settings.subscriptions.allow_http`: plain http:// accepted.
    public let allowHTTP: Bool

    public init(allowed: [CIDR] = [], allowHTTP: Bool = false) {
        self.allowed = allowed
        self.allowHTTP = allowHTTP
    }

    /// Why `address` (4 or 16 bytes; IPv4-mapped IPv6 counts as IPv4) is refused, or nil.
    public func refusal(_ address: [UInt8]) -> String? {
        var address = address
        if address.count == 16, address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xFF, address[11] == 0xFF {
            address = Array(address[12..<16])  // ::ffff:a.b.c.d is a.b.c.d, and is shown so
        }
        if allowed.contains(where: { $0.contains(address) }) { return nil }
        for (network, why) in Self.blocked where network.contains(address) {
            return "\(IPAddress.format(address)) is a \(why) address"
        }
        return nil
    }
}
