import Codec
import NIOCore
import Synchronization

/// The connections a server has open: counted against its limits when accepted, and closed
/// by force if a drain outlives its bound. One is shared by the framing's listener and the
/// gRPC listener, so that the caps bound the daemon's connections (its file descriptors), not
/// each listener's.
public final class OpenConnections: Sendable {
    /// What becomes of a connection just accepted.
    enum Admission {
        case serve
        /// Answered with this status (after the TLS handshake), then closed.
        case refuse(RPCStatus)
        /// Closed at once: so many refusals are under way that answering one more would itself
        /// hold descriptors and handshakes without bound.
        case drop
    }

    /// Refused connections still handshaking or writing their answer, at most.
    static let maxRefusing = 64

    private struct State {
        var counts: ConnectionCounts
        var channels: [ObjectIdentifier: any Channel] = [:]
        var refusing = 0
    }

    private let state: Mutex<State>

    /// With the caps of `configuration` (`--max-connections`, `--max-connections-per-address`).
    public convenience init(configuration: ServerConfiguration) {
        self.init(maxConnections: configuration.maxConnections, maxPerAddress: configuration.maxConnectionsPerAddress)
    }

    init(maxConnections: Int, maxPerAddress: Int) {
        self.state = Mutex(
            State(counts: ConnectionCounts(maxConnections: maxConnections, maxPerAddress: maxPerAddress))
        )
    }

    /// Counts `channel` until it closes, or decides how it is turned away.
    func admit(_ channel: any Channel, address: String?) -> Admission {
        let admission = self.state.withLock { state -> Admission in
            if let refusal = state.counts.admit(address: address) {
                guard state.refusing < Self.maxRefusing else { return .drop }
                state.refusing += 1
                return .refuse(refusal)
            }
            state.channels[ObjectIdentifier(channel)] = channel
            return .serve
        }
        switch admission {
        case .serve:
            channel.closeFuture.whenComplete { _ in
                self.state.withLock { state in
                    state.counts.release(address: address)
                    state.channels[ObjectIdentifier(channel)] = nil
                }
            }
        case .refuse:
            channel.closeFuture.whenComplete { _ in
                self.state.withLock { $0.refusing -= 1 }
            }
        case .drop:
            break
        }
        return admission
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
