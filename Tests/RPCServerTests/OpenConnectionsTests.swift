import NIOCore
import NIOEmbedded
import Testing

@testable import RPCServer

/// The connection caps, and the bound on connections being turned away.
@Suite struct OpenConnectionsTests {
    @Test func pastTheCapsConnectionsAreRefusedAndPastTheRefusalsDropped() async throws {
        let connections = OpenConnections(maxConnections: 2, maxPerAddress: 1)
        let served = [EmbeddedChannel(), EmbeddedChannel()]
        #expect(self.isServed(connections.admit(served[0], address: "10.0.0.1", transport: "framing")))
        #expect(
            self.isRefused(connections.admit(EmbeddedChannel(), address: "10.0.0.1", transport: "framing")),
            "per address"
        )
        #expect(self.isServed(connections.admit(served[1], address: "10.0.0.2", transport: "framing")))
        var refusing: [EmbeddedChannel] = []
        for _ in 0..<OpenConnections.maxRefusing - 1 {
            let channel = EmbeddedChannel()
            #expect(self.isRefused(connections.admit(channel, address: "10.0.0.3", transport: "framing")), "in all")
            refusing.append(channel)
        }
        // The refusals still under way are at their bound: the next is dropped without an answer.
        guard case .drop = connections.admit(EmbeddedChannel(), address: "10.0.0.4", transport: "framing") else {
            Issue.record("past the refusals under way, a connection is dropped")
            return
        }
        // A refusal that ended makes room for another; a served connection that closed, for a new one.
        _ = try? refusing[0].finish()
        #expect(self.isRefused(connections.admit(EmbeddedChannel(), address: "10.0.0.4", transport: "framing")))
        _ = try? served[0].finish()
        #expect(connections.count == 1)
        #expect(self.isServed(connections.admit(EmbeddedChannel(), address: "10.0.0.1", transport: "grpc")))

        // What /metrics shows: every admission by listener and outcome, and the connections open.
        let snapshot = connections.snapshot()
        #expect(snapshot.open == 2)
        #expect(
            snapshot.accepted == [
                .init(transport: "framing", outcome: "served"): 2,
                .init(transport: "framing", outcome: "refused"): OpenConnections.maxRefusing + 1,
                .init(transport: "framing", outcome: "dropped"): 1,
                .init(transport: "grpc", outcome: "served"): 1,
            ]
        )
    }

    private func isServed(_ admission: OpenConnections.Admission) -> Bool {
        if case .serve = admission { true } else { false }
    }

    private func isRefused(_ admission: OpenConnections.Admission) -> Bool {
        if case .refuse = admission { true } else { false }
    }
}
