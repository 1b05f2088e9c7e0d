import Listening
import NIOCore

/// A gRPC peer as grpc-swift names it (`ipv4:127.0.0.1:5000`, `ipv6:[::1]:5000`), read back
/// into an address so that limits key a gRPC client as they key the same client on the framing.
struct GRPCPeer {
    let address: SocketAddress

    init?(_ peer: String) {
        let host: Substring
        let port: Substring
        if peer.hasPrefix("ipv4:") {
            let rest = peer.dropFirst("ipv4:".count)
            guard let colon = rest.lastIndex(of: ":") else { return nil }
            (host, port) = (rest[..<colon], rest[rest.index(after: colon)...])
        } else if peer.hasPrefix("ipv6:[") {
            let rest = peer.dropFirst("ipv6:[".count)
            guard let close = rest.lastIndex(of: "]") else { return nil }
            host = rest[..<close]
            let afterClose = rest[rest.index(after: close)...]
            guard afterClose.hasPrefix(":") else { return nil }
            port = afterClose.dropFirst()
        } else {
            return nil
        }
        guard let port = Int(port), let address = try? SocketAddress(ipAddress: String(host), port: port) else {
            return nil
        }
        self.address = address
    }

    /// The client as limits count it (`SocketAddress.clientKey`).
    var clientKey: String? { self.address.clientKey }
}
