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

    /// Which listener accepted a connection and what became of it, as the metrics label it.
    struct Outcome: Hashable {
        /// `framing` or `grpc`.
        var transport: String
        /// `served`, `refused` (over a cap, answered) or `dropped` (closed unanswered).
        var outcome: String
    }

    /// What `/metrics` shows of the connections.
    struct Snapshot {
        var open: Int
        var accepted: [Outcome: Int]
    }

    private struct State {
        var counts: ConnectionCounts
        var channels: [ObjectIdentifier: any Channel] = [:]
        var refusing = 0
        var accepted: [Outcome: Int] = [:]
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
    /// - Parameter transport: the listener that accepted it, for the metrics.
    func admit(_ channel: any Channel, address: String?, transport: String) -> Admission {
        let admission = self.state.withLock { state -> Admission in
            let admission: Admission
            if let refusal = state.counts.admit(address: address) {
                if state.refusing < Self.maxRefusing {
                    state.refusing += 1
                    admission = .refuse(refusal)
                } else {
                    admission = .drop
                }
            } else {
                state.channels[ObjectIdentifier(channel)] = channel
                admission = .serve
            }
            state.accepted[Outcome(transport: transport, outcome: admission.metricsName), default: 0] += 1
            return admission
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

    func snapshot() -> Snapshot {
        self.state.withLock { Snapshot(open: $0.counts.total, accepted: $0.accepted) }
    }

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

extension OpenConnections.Admission {
    var metricsName: String {
        switch self {
        case .serve: "served"
        case .refuse: "refused"
        case .drop: "dropped"
        }
    }
}
