public import NIOCore

extension SocketAddress {
    /// The IP address's bytes: 4 for IPv4 (an IPv4-mapped IPv6 address included), 16 for IPv6;
    /// `nil` for a Unix socket.
    public var ipBytes: [UInt8]? {
        switch self {
        case .v4(let address):
            return withUnsafeBytes(of: address.address.sin_addr) { Array($0) }
        case .v6(let address):
            let bytes = withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                return Array(bytes[12..<16])
            }
            return bytes
        case .unixDomainSocket:
            return nil
        }
    }

    /// The client a connection comes from, as every listener's limits count it: an IPv4
    /// address (an IPv4-mapped IPv6 address included) whole, an IPv6 address by its /64, the
    /// block one subscriber is given, within which an attacker can pick addresses freely.
    /// `nil` for a Unix socket.
    public var clientKey: String? {
        guard let bytes = self.ipBytes else { return nil }
        if bytes.count == 4 {
            return bytes.map { String($0) }.joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map { index in
            String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16)
        }
        return groups.joined(separator: ":") + "::/64"
    }
}
