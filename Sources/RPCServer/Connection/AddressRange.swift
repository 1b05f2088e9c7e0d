import Listening
public import NIOCore

/// A block of IP addresses in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or one address):
/// the proxies whose PROXY protocol headers the listeners believe (`--proxy-protocol-from`).
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The network's bytes (4 or 16), the host bits cleared.
    private let network: [UInt8]
    private let prefixLength: Int

    /// `nil` for text that is not an address with an optional `/prefix` in its family's range.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = (try? SocketAddress(ipAddress: String(parts[0]), port: 0))?.ipBytes else { return nil }
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
    /// counts as the IPv4 one (`SocketAddress.ipBytes`).
    public func contains(_ address: SocketAddress) -> Bool {
        guard let bytes = address.ipBytes, bytes.count == self.network.count else { return false }
        return Self.masked(bytes, prefixLength: self.prefixLength) == self.network
    }

    public var description: String {
        let address = (try? SocketAddress(packedIPAddress: ByteBuffer(bytes: self.network), port: 0))?.ipAddress
        return "\(address ?? "?")/\(self.prefixLength)"
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
