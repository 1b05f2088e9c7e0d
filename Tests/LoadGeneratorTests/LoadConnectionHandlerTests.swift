import Codec
import Foundation
import NIOCore
import NIOEmbedded
import SwiftProtobuf
import Testing

@testable import LoadGenerator

/// The generator's connection, driven without a network: it finds its answers in bytes split
/// anywhere, keeps its calls in flight, and gives up on a peer that announces an oversized frame.
@Suite struct LoadConnectionHandlerTests {
    private static func plan(inFlight: Int) throws -> LoadPlan {
        LoadPlan(
            shape: .closedLoop(inFlight: inFlight),
            connections: 1,
            requestTails: [try LoadPlan.getProductRequestTail(sku: "s", accessToken: nil)],
            warmup: .zero,
            duration: .seconds(600)
        )
    }

    /// The call ids of the request frames in `buffer`.
    private static func callIDs(in buffer: ByteBuffer) throws -> [UInt64] {
        var buffer = buffer
        var decoder = FrameDecoder(maxFrameSize: 1 << 20)
        var ids: [UInt64] = []
        while let frame = try decoder.decode(buffer: &buffer) {
            ids.append(try Catalog_V1_Request(serializedBytes: Array(frame.readableBytesView)).callID)
        }
        return ids
    }

    /// OK answers to `callIDs`, 100 bytes of payload each, so that a frame spans several cuts.
    private static func responses(_ callIDs: [UInt64]) throws -> [UInt8] {
        try responseFrames(callIDs.map { ($0, 0) }, payloadSize: 100)
    }

    @Test func answersSplitAnywhereAreEachFoundAndEachSendsTheNextCall() throws {
        let plan = try Self.plan(inFlight: 4)
        let answered = AnsweredCounter()
        let channel = EmbeddedChannel()
        let finished = channel.eventLoop.makePromise(of: LoadConnectionHandler.Results.self)
        let handler = LoadConnectionHandler(
            plan: plan,
            maxFrameSize: 1 << 20,
            index: 0,
            answered: answered,
            finished: finished
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        handler.start(LoadWindow(startingNowFor: plan))
        #expect(try Self.callIDs(in: try #require(try channel.readOutbound(as: ByteBuffer.self))) == [1, 2, 3, 4])

        // Three answers (out of order), cut every 7 bytes across reads, then the burst ends.
        let bytes = try Self.responses([2, 1, 4])
        for start in stride(from: 0, to: bytes.count, by: 7) {
            channel.pipeline.fireChannelRead(ByteBuffer(bytes: bytes[start..<min(start + 7, bytes.count)]))
        }
        channel.pipeline.fireChannelReadComplete()
        #expect(try Self.callIDs(in: try #require(try channel.readOutbound(as: ByteBuffer.self))) == [5, 6, 7])
        #expect(answered.count.load(ordering: .relaxed) == 3)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "one write per read burst")

        // An answer to no call in flight is not counted, and sends nothing.
        channel.pipeline.fireChannelRead(ByteBuffer(bytes: try Self.responses([2])))
        channel.pipeline.fireChannelReadComplete()
        #expect(answered.count.load(ordering: .relaxed) == 3)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }

    @Test func callsCycleThroughTheProductsAcrossBursts() throws {
        let plan = LoadPlan(
            shape: .closedLoop(inFlight: 4),
            connections: 1,
            requestTails: try ["a", "b", "c"].map { try LoadPlan.getProductRequestTail(sku: $0, accessToken: nil) },
            warmup: .zero,
            duration: .seconds(600)
        )
        let channel = EmbeddedChannel()
        let handler = LoadConnectionHandler(
            plan: plan,
            maxFrameSize: 1 << 20,
            index: 0,
            answered: AnsweredCounter(),
            finished: channel.eventLoop.makePromise(of: LoadConnectionHandler.Results.self)
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        handler.start(LoadWindow(startingNowFor: plan))
        func skus(_ buffer: ByteBuffer?) throws -> [String] {
            var buffer = try #require(buffer)
            var decoder = FrameDecoder(maxFrameSize: 1 << 20)
            var skus: [String] = []
            while let frame = try decoder.decode(buffer: &buffer) {
                let request = try Catalog_V1_Request(serializedBytes: Array(frame.readableBytesView))
                skus.append(try Catalog_V1_GetProductRequest(serializedBytes: request.payload).sku)
            }
            return skus
        }
        #expect(try skus(try channel.readOutbound(as: ByteBuffer.self)) == ["a", "b", "c", "a"])
        channel.pipeline.fireChannelRead(ByteBuffer(bytes: try Self.responses([1, 2, 3])))
        channel.pipeline.fireChannelReadComplete()
        #expect(try skus(try channel.readOutbound(as: ByteBuffer.self)) == ["b", "c", "a"])
        _ = try? channel.finish()
    }

    @Test func aFrameOverTheLimitEndsTheConnection() throws {
        let plan = try Self.plan(inFlight: 1)
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let handler = LoadConnectionHandler(
            plan: plan,
            maxFrameSize: 1000,
            index: 0,
            answered: AnsweredCounter(),
            finished: channel.eventLoop.makePromise()
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        handler.start(LoadWindow(startingNowFor: plan))
        var huge = ByteBuffer()
        huge.writeInteger(UInt32(1001))
        try channel.writeInbound(huge)
        #expect(!channel.isActive)
    }

    @Test func inFlightCallsAreFoundByIDEvenWhenTheirSlotComesRoundAgain() {
        var calls = InFlightCalls(capacity: 4)
        for id in UInt64(1)...200 {
            calls.insert(id, at: id * 10)
            if id != 3 {
                #expect(calls.remove(id) == id * 10)
            }
        }
        // Call 3 was held while 197 later ones came and went: its slot was reused several times.
        #expect(calls.count == 1)
        #expect(calls.remove(3) == 30)
        #expect(calls.remove(3) == nil, "answered once")
        #expect(calls.remove(0) == nil && calls.remove(999) == nil)
        #expect(calls.isEmpty)
    }
}

/// CPU per call comes from /proc/PID/stat, whose command name may hold spaces and parentheses.
@Suite struct ProcessCPUTimeTests {
    @Test func userAndSystemTimeAreReadAfterTheCommandName() {
        let stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 300 0 0 0 250 50 0 0 20 0 9 0 100 0 0"
        #expect(ProcessCPUTime.seconds(stat: stat, ticksPerSecond: 100) == 3)
        #expect(ProcessCPUTime.seconds(stat: "4242 (cut) S 1", ticksPerSecond: 100) == nil)
    }

    @Test func thisProcessHasUsedSomeCPU() throws {
        let seconds = try #require(ProcessCPUTime.seconds(pid: "self"))
        #expect(seconds > 0)
        #expect(ProcessCPUTime.seconds(pid: "999999999") == nil)
    }
}
