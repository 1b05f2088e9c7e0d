import Codec
import NIOCore
import Synchronization

/// The connections a server has open: counted against its limits when accepted, and closed
/// by force if a drain outlives its bound.
final class OpenConnections: Sendable {
    private struct State {
        var counts: ConnectionCounts
        var channels: [ObjectIdentifier: any Channel] = [:]
    }

    private let state: Mutex<State>

    init(maxConnections: Int, maxPerAddress: Int) {
        self.state = Mutex(
            State(counts: ConnectionCounts(maxConnections: maxConnections, maxPerAddress: maxPerAddress))
        )
    }

    /// Counts `channel` until it closes.
    /// - Returns: `nil` when it is admitted, else the status to refuse it with.
    func admit(_ channel: any Channel, address: String?) -> RPCStatus? {
        let refusal = self.state.withLock { state -> RPCStatus? in
            if let refusal = state.counts.admit(address: address) {
                return refusal
            }
            state.channels[ObjectIdentifier(channel)] = channel
            return nil
        }
        guard refusal == nil else { return refusal }
        channel.closeFuture.whenComplete { _ in
            self.state.withLock { state in
                state.counts.release(address: address)
                state.channels[ObjectIdentifier(channel)] = nil
            }
        }
        return nil
    }

    var count: Int { self.state.withLock { $0.counts.total } }

    /// Closes every connection still open, and returns when all have closed.
    func closeAll() async {
        let channels = self.state.withLock { Array($0.channels.values) }
        for channel in channels {
            channel.close(promise: nil)
        }
        for channel in channels {
            try? await channel.closeFuture.get()
        }
    }
}
