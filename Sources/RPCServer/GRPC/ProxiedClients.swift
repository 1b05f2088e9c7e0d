import NIOCore
import Synchronization

/// The clients that trusted proxies named in PROXY protocol headers, by the proxy-side socket
/// they came in on: grpc-swift names a call's peer by its socket alone, so the gRPC service looks
/// the real client up here. An entry lives as long as its connection.
final class ProxiedClients: Sendable {
    private let clients = Mutex<[SocketAddress: SocketAddress]>([:])

    /// `channel`'s calls come from `client`, until it closes.
    func record(_ client: SocketAddress, for channel: any Channel) {
        guard let peer = channel.remoteAddress else { return }
        self.clients.withLock { $0[peer] = client }
        channel.closeFuture.whenComplete { _ in
            _ = self.clients.withLock { $0.removeValue(forKey: peer) }
        }
    }

    /// The client a proxy named for the socket `peer`, else `peer` itself.
    func client(of peer: SocketAddress) -> SocketAddress {
        self.clients.withLock { $0[peer] } ?? peer
    }
}
