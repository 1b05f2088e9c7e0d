import NIOCore

/// A PROXY protocol version 2 header (HAProxy's proxy-protocol.txt, section 2.2): what a proxy
/// that passes TCP through (a load balancer with `send-proxy-v2`) writes before the client's
/// bytes, naming the client. Read only from the proxies the listeners trust.
struct ProxyHeader: Equatable {
    /// The 12 bytes every version 2 header starts with.
    static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    /// The longest address block accepted: the addresses and a few TLVs; a longer one is refused
    /// before it is buffered.
    static let maxAddressBlock = 1024

    /// The client's address; `nil` for a LOCAL header (the proxy's own health check) or an
    /// address family other than IPv4 and IPv6, whose connection is the proxy's own.
    var source: SocketAddress?
    /// Bytes the header takes, the client's bytes after them.
    var length: Int

    enum Reading: Equatable {
        case needMore
        case header(ProxyHeader)
        case invalid(String)
    }

    /// Reads a header from the start of `bytes`.
    static func read(_ bytes: ByteBufferView) -> Reading {
        let available = Array(bytes.prefix(16))
        for (index, byte) in available.prefix(12).enumerated() where byte != self.signature[index] {
            return .invalid("not a PROXY protocol v2 header")
        }
        guard available.count == 16 else { return .needMore }
        let versionCommand = available[12]
        guard versionCommand >> 4 == 2 else { return .invalid("PROXY protocol version \(versionCommand >> 4)") }
        let command = versionCommand & 0x0F
        guard command <= 1 else { return .invalid("PROXY protocol command \(command)") }
        let family = available[13] >> 4
        let blockLength = Int(available[14]) << 8 | Int(available[15])
        guard blockLength <= self.maxAddressBlock else { return .invalid("PROXY header of \(blockLength) bytes") }
        guard bytes.count >= 16 + blockLength else { return .needMore }
        let block = Array(bytes.dropFirst(16).prefix(blockLength))
        let total = 16 + blockLength
        // LOCAL: the proxy speaks for itself; its address stands.
        guard command == 1 else { return .header(ProxyHeader(source: nil, length: total)) }
        // The source and destination addresses (4 bytes each for IPv4, 16 for IPv6), then their ports.
        let addressBytes: Int
        switch family {
        case 1: addressBytes = 4
        case 2: addressBytes = 16
        default: return .header(ProxyHeader(source: nil, length: total))
        }
        guard block.count >= addressBytes * 2 + 4 else {
            return .invalid("a PROXY address block of \(block.count) bytes")
        }
        let port = Int(block[addressBytes * 2]) << 8 | Int(block[addressBytes * 2 + 1])
        let source = try? SocketAddress(packedIPAddress: ByteBuffer(bytes: block[0..<addressBytes]), port: port)
        return .header(ProxyHeader(source: source, length: total))
    }
}
