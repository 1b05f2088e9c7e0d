import NIOCore
import NIOExtras
import NIOPosix

/// What the framing's and the gRPC listener do alike: accept with the same socket options (a
/// backlog of 256, `TCP_NODELAY`, the write-buffer water marks that hold a connection's reading
/// while its answers wait unread), learn the client of a connection from a trusted proxy, tell
/// every connection to quiesce at shutdown, and wait for them to close within a bound.
enum ListenerBootstrap {
    /// A bootstrap whose connections `configure` sets up (their handlers, after admission) for
    /// their client: the peer, or, for a peer in `trustedProxies`, the client its PROXY protocol
    /// header names, once that is read (within `handshakeTimeout`), so that admission,
    /// throttles and logs see that client.
    static func make(
        group: any EventLoopGroup,
        configuration: ServerConfiguration,
        quiescing: ServerQuiescingHelper,
        configure: @escaping @Sendable (_ channel: any Channel, _ client: SocketAddress?) throws -> Void
    ) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                .writeBufferWaterMark,
                value: ChannelOptions.Types.WriteBufferWaterMark(
                    low: configuration.writeBufferLowWaterMark,
                    high: configuration.writeBufferHighWaterMark
                )
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard configuration.trustedProxies.contains(channel.remoteAddress) else {
                        return try configure(channel, channel.remoteAddress)
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ProxyHeaderHandler(timeout: TimeAmount(configuration.handshakeTimeout)) { client in
                            try configure(channel, client)
                        }
                    )
                }
            }
    }

    /// Stops accepting, tells every connection to quiesce (`ChannelShouldQuiesceEvent`: each
    /// ends itself within its drain), and waits until all have closed or `bound` has passed.
    /// - Returns: whether all closed in time; the bound only guards against a bug in a drain.
    static func drain(_ quiescing: ServerQuiescingHelper, group: any EventLoopGroup, bound: Duration) async -> Bool {
        let drained = group.next().makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: drained)
        return await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask { (try? await drained.futureResult.get()) != nil }
            tasks.addTask {
                try? await Task.sleep(for: bound)
                return false
            }
            let first = await tasks.next() ?? false
            tasks.cancelAll()
            return first
        }
    }
}
