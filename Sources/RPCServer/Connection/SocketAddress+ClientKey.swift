import NIOCore

extension SocketAddress {
    /// The client a connection comes from, as limits count it: an IPv4 address (an
    /// IPv4-mapped IPv6 address included) whole, an IPv6 address by its /64, the block one
    /// subscriber is given, within which an attacker can pick addresses freely.
    /// `nil` for a Unix socket.
    var clientKey: String? {
        switch self {
        case .v4:
            return self.ipAddress
        case .v6(let address):
            let bytes = withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                return bytes[12..<16].map { String($0) }.joined(separator: ".")
            }
            let groups = stride(from: 0, to: 8, by: 2).map { index in
                String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16)
            }
            return groups.joined(separator: ":") + "::/64"
        case .unixDomainSocket:
            return nil
        }
    }
}
