import NIOCore
import NIOHTTP2
import Testing

@testable import RPCServer

@Suite struct GRPCConnectionStateMachineTests {
    typealias Machine = GRPCConnectionStateMachine

    /// Virtual time: the machine is given it, so nothing here waits on a clock.
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static let limits = Machine.Limits(
        frameTimeout: .seconds(10),
        writeTimeout: .seconds(30),
        maxBufferedBytes: 1000,
        connectionWindow: 4000,
        streamWindow: 400
    )

    private func at(_ seconds: Int64) -> NIODeadline { Self.t0 + .seconds(seconds) }
    private let one = HTTP2StreamID(1)
    private let three = HTTP2StreamID(3)

    @Test func aMessageBegunAndNotFinishedWithinTheFrameTimeoutResetsItsStreamOnly() {
        var machine = Machine(limits: Self.limits, now: Self.t0)
        machine.opened(self.one)
        machine.opened(self.three)
        #expect(machine.nextDeadline() == self.at(3600), "only the connection's age waits on time")
        _ = machine.received(
            on: self.one,
            flowControlledBytes: 100,
            bufferedBytes: 100,
            stillSending: true,
            now: self.at(0)
        )
        _ = machine.received(
            on: self.three,
            flowControlledBytes: 50,
            bufferedBytes: 50,
            stillSending: true,
            now: self.at(4)
        )
        // More of the same message does not restart its clock: a trickle cannot hold the stream.
        _ = machine.received(
            on: self.one,
            flowControlledBytes: 10,
            bufferedBytes: 110,
            stillSending: true,
            now: self.at(8)
        )
        #expect(machine.nextDeadline() == self.at(10))
        let early = machine.timerFired(now: self.at(9))
        #expect(early == .init())
        let due = machine.timerFired(now: self.at(10))
        #expect(due == .init(resetStreams: [self.one]))
        // Stream 3's message completed meanwhile: nothing is left to time out.
        _ = machine.received(
            on: self.three,
            flowControlledBytes: 0,
            bufferedBytes: 0,
            stillSending: true,
            now: self.at(12)
        )
        _ = machine.closed(self.one, now: self.at(0))
        #expect(machine.nextDeadline() == self.at(3600))
    }

    @Test func anAnswerThePeerDoesNotTakeForTheWriteTimeoutClosesTheConnection() {
        var machine = Machine(limits: Self.limits, now: Self.t0)
        machine.opened(self.one)
        machine.opened(self.three)
        machine.answered(self.one, now: self.at(0))
        machine.answered(self.three, now: self.at(5))
        // Stream 1's answer went out (its stream closed); stream 3's is held by a zero window.
        _ = machine.closed(self.one, now: self.at(0))
        #expect(machine.nextDeadline() == self.at(35))
        let early = machine.timerFired(now: self.at(34))
        #expect(!early.closeNow)
        let due = machine.timerFired(now: self.at(35))
        #expect(due.closeNow)
    }

    @Test func aSocketNobodyReadsForTheWriteTimeoutClosesTheConnection() {
        var machine = Machine(limits: Self.limits, now: Self.t0)
        machine.writabilityChanged(isWritable: false, now: self.at(0))
        machine.writabilityChanged(isWritable: false, now: self.at(10))
        #expect(machine.nextDeadline() == self.at(30))
        machine.writabilityChanged(isWritable: true, now: self.at(20))
        #expect(machine.nextDeadline() == self.at(300), "only the idle timeout")
        machine.writabilityChanged(isWritable: false, now: self.at(25))
        let early = machine.timerFired(now: self.at(54))
        #expect(early == .init())
        let due = machine.timerFired(now: self.at(55))
        #expect(due.closeNow)
    }

    @Test func creditGoesBackInHalfWindowBatchesAndOnlyToAStreamStillSending() {
        var machine = Machine(limits: Self.limits, now: Self.t0)
        machine.opened(self.one)
        let small = machine.received(
            on: self.one,
            flowControlledBytes: 150,
            bufferedBytes: 150,
            stillSending: true,
            now: self.at(0)
        )
        #expect(small == .init())
        let half = machine.received(
            on: self.one,
            flowControlledBytes: 50,
            bufferedBytes: 0,
            stillSending: true,
            now: self.at(0)
        )
        #expect(half == .init(stream: 200))
        // A stream whose peer is done needs no credit; the connection's still counts its bytes.
        let ended = machine.received(
            on: self.one,
            flowControlledBytes: 1800,
            bufferedBytes: 0,
            stillSending: false,
            now: self.at(0)
        )
        #expect(ended == .init(stream: 0, connection: 2000))
        // Frames of a stream already gone still count against the connection's window.
        let gone = machine.received(
            on: self.three,
            flowControlledBytes: 2000,
            bufferedBytes: 0,
            stillSending: true,
            now: self.at(0)
        )
        #expect(gone == .init(stream: 0, connection: 2000))
    }

    @Test func connectionCreditIsHeldWhileTooMuchInputIsBufferedAndGivenWhenItIsHandedOn() {
        var machine = Machine(limits: Self.limits, now: Self.t0)
        machine.opened(self.one)
        machine.opened(self.three)
        _ = machine.received(
            on: self.one,
            flowControlledBytes: 1200,
            bufferedBytes: 1200,
            stillSending: true,
            now: self.at(0)
        )
        let held = machine.received(
            on: self.three,
            flowControlledBytes: 1000,
            bufferedBytes: 800,
            stillSending: true,
            now: self.at(0)
        )
        #expect(held.connection == 0, "2,000 bytes buffered, over the bound of 1,000")
        // Stream 1's message completed and went to its call: 800 bytes left, under the bound.
        let given = machine.received(
            on: self.one,
            flowControlledBytes: 0,
            bufferedBytes: 0,
            stillSending: true,
            now: self.at(1)
        )
        #expect(given == .init(connection: 2200))
        // A stream that closes gives back what it held too.
        _ = machine.received(
            on: self.one,
            flowControlledBytes: 2000,
            bufferedBytes: 1500,
            stillSending: true,
            now: self.at(2)
        )
        let closed = machine.closed(self.one, now: self.at(0))
        #expect(closed.connection == 2000)
    }

    @Test func anIdleOrOldConnectionIsAskedToGoAndClosedAfterItsGraceWhateverThePeerDoes() {
        var limits = Self.limits
        limits.idleTimeout = .seconds(300)
        limits.maxAge = .seconds(3600)
        limits.drainTimeout = .seconds(10)
        var machine = Machine(limits: limits, now: Self.t0)
        #expect(machine.nextDeadline() == self.at(300), "idle from the start")
        machine.opened(self.one)
        #expect(machine.nextDeadline() == self.at(3600), "a stream open: only the age counts")
        _ = machine.closed(self.one, now: self.at(100))
        #expect(machine.nextDeadline() == self.at(400))
        let idle = machine.timerFired(now: self.at(400))
        #expect(idle == .init(quiesce: true))
        // Asked to go: closed at the drain's end, even if the peer never answers the PING.
        #expect(machine.nextDeadline() == self.at(410))
        let early = machine.timerFired(now: self.at(409))
        #expect(early == .init())
        let due = machine.timerFired(now: self.at(410))
        #expect(due.closeNow)
        // Too old, with a stream open.
        var old = Machine(limits: limits, now: Self.t0)
        old.opened(self.one)
        let aged = old.timerFired(now: self.at(3600))
        #expect(aged.quiesce)
        // The server's drain counts from when it began, and only once.
        var draining = Machine(limits: limits, now: Self.t0)
        draining.drain(now: self.at(5))
        draining.drain(now: self.at(8))
        #expect(draining.nextDeadline() == self.at(15))
    }

    /// Whether each ping, at these seconds, ended the connection.
    private func pings(_ machine: inout Machine, at seconds: [Int64]) -> [Bool] {
        seconds.map { machine.pingReceived(now: self.at($0)) }
    }

    @Test func pingsMoreOftenThanThePolicyAllowsEndTheConnectionAndAnswersForgiveThem() {
        var machine = Machine(limits: Self.limits, now: Self.t0)
        machine.opened(self.one)
        // With a call open: one every 5 minutes is welcome, sooner is a strike, the third too many.
        #expect(self.pings(&machine, at: [0, 300, 301, 302]) == [false, false, false, false])
        // An answer sent (data) forgives them, as gRFC A8 says.
        machine.answered(self.one, now: self.at(303))
        #expect(self.pings(&machine, at: [304, 305]) == [false, false])
        // So does each message of a stream: clients ping as they receive them (BDP pings).
        machine.sentData()
        #expect(self.pings(&machine, at: [306, 307, 308]) == [false, false, true])
        // With no call open, pings more often than every 2 hours are strikes.
        var idle = Machine(limits: Self.limits, now: Self.t0)
        #expect(self.pings(&idle, at: [0, 7200, 7201, 7202, 7203]) == [false, false, false, false, true])
    }
}
