import NIOCore

/// A block of IP addresses in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or one address):
/// the proxies whose PROXY protocol headers the listeners believe (`--proxy-protocol-from`).
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The network's bytes (4 or 16), the host bits cleared.
    private let network: [UInt8]
    private let prefixLength: Int

    /// `nil` for text that is not an address with an optional `/prefix` in its family's range.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = Self.bytes(of: String(parts[0])) else { return nil }
        let length: Int
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...bytes.count * 8).contains(parsed) else { return nil }
            length = parsed
        } else {
            length = bytes.count * 8
        }
        self.prefixLength = length
        self.network = Self.masked(bytes, prefixLength: length)
    }

    /// Whether `address` is in the block; an IPv4 address given as IPv6 (`::ffff:a.b.c.d`)
    /// counts as the IPv4 one.
    public func contains(_ address: SocketAddress) -> Bool {
        guard var bytes = Self.bytes(of: address) else { return false }
        if self.network.count == 4, bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }),
            bytes[10] == 0xff, bytes[11] == 0xff
        {
            bytes = Array(bytes[12..<16])
        }
        guard bytes.count == self.network.count else { return false }
        return Self.masked(bytes, prefixLength: self.prefixLength) == self.network
    }

    public var description: String {
        let address =
            self.network.count == 4
            ? self.network.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map {
                String(UInt16(self.network[$0]) << 8 | UInt16(self.network[$0 + 1]), radix: 16)
            }.joined(separator: ":")
        return "\(address)/\(self.prefixLength)"
    }

    private static func bytes(of text: String) -> [UInt8]? {
        guard let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        return self.bytes(of: address)
    }

    private static func bytes(of address: SocketAddress) -> [UInt8]? {
        switch address {
        case .v4(let v4): withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6): withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        case .unixDomainSocket: nil
        }
    }

    private static func masked(_ bytes: [UInt8], prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bits = min(max(prefixLength - index * 8, 0), 8)
            return bits == 8 ? byte : byte & ~(0xff >> bits)
        }
    }
}

extension Array where Element == AddressRange {
    /// Whether any block holds `address`; none for a Unix socket or a missing address.
    func contains(_ address: SocketAddress?) -> Bool {
        guard let address else { return false }
        return self.contains { $0.contains(address) }
    }
}
