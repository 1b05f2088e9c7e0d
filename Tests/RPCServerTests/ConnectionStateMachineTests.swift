import Codec
import NIOCore
import Testing

@testable import RPCServer

@Suite struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine<String>

    /// Virtual time: the machine is given it, so nothing here waits on a clock.
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static let limits = Machine.Limits(
        maxInFlight: 4,
        idleTimeout: .seconds(300),
        frameTimeout: .seconds(10),
        writeTimeout: .seconds(30),
        drainTimeout: .seconds(10)
    )

    private func machine(maxInFlight: Int = 4) -> Machine {
        var limits = Self.limits
        limits.maxInFlight = maxInFlight
        return Machine(limits: limits, now: Self.t0)
    }

    private func at(_ seconds: Int64) -> NIODeadline { Self.t0 + .seconds(seconds) }

    private func started(_ action: Machine.ReceiveAction) -> Bool {
        if case .start = action { true } else { false }
    }

    private func closeStatus(_ action: Machine.ReceiveAction) -> RPCStatus? {
        if case .close(let status) = action { status } else { nil }
    }

    @Test func startsCallsUpToTheBoundThenQueuesAndHoldsReads() {
        var machine = self.machine(maxInFlight: 2)
        let step1 = machine.receive(callID: 1, "a")
        #expect(self.started(step1))
        let step2 = machine.shouldRead()
        #expect(step2)
        let step3 = machine.receive(callID: 2, "b")
        #expect(self.started(step3))
        let step4 = machine.shouldRead()
        #expect(!step4, "at the bound the connection stops reading")
        let step5 = machine.receive(callID: 3, "c")
        #expect(!self.started(step5), "a call read in the same burst waits")

        let first = machine.finish(callID: 1)
        #expect(first.answer)
        #expect(first.start == "c")
        #expect(!first.resumeReading, "still at the bound with c started")

        let second = machine.finish(callID: 2)
        #expect(second.answer)
        #expect(second.resumeReading)
        let step6 = machine.shouldRead()
        #expect(step6)
    }

    @Test func aCallIsAnsweredOnce() {
        var machine = self.machine(maxInFlight: 4)
        _ = machine.receive(callID: 5, "a")
        let step7 = machine.finish(callID: 5)
        #expect(step7.answer)
        let step8 = machine.finish(callID: 5)
        #expect(!step8.answer, "the handler finishing after its deadline is dropped")
        let step9 = machine.finish(callID: 6)
        #expect(!step9.answer)
    }

    @Test func zeroAndDuplicateCallIDsFailTheConnectionAfterCallsInFlight() {
        var machine = self.machine(maxInFlight: 1)
        _ = machine.receive(callID: 1, "a")
        _ = machine.receive(callID: 2, "queued")
        let step10 = machine.receive(callID: 2, "dup")
        #expect(self.closeStatus(step10) == nil, "waits for the calls it has")
        let step11 = machine.receive(callID: 3, "late")
        #expect(!self.started(step11), "takes nothing more")
        let first = machine.finish(callID: 1)
        #expect(first.start == "queued")
        #expect(first.close == nil)
        let last = machine.finish(callID: 2)
        #expect(last.close?.code == .invalidArgument)

        var fresh = self.machine(maxInFlight: 1)
        let step12 = fresh.receive(callID: 0, "zero")
        #expect(self.closeStatus(step12)?.code == .invalidArgument)
    }

    @Test func drainingRejectsNewCallsAndClosesWhenIdle() {
        var machine = self.machine(maxInFlight: 4)
        _ = machine.receive(callID: 1, "a")
        let step13 = machine.drain(now: Self.t0)
        #expect(step13 == nil)
        guard case .reject(let callID, let status) = machine.receive(callID: 2, "b") else {
            Issue.record("a call during drain is rejected")
            return
        }
        #expect(callID == 2)
        #expect(status.code == .unavailable)
        let step14 = machine.shouldRead()
        #expect(!step14)
        let step15 = machine.finish(callID: 1)
        #expect(step15.close?.code == .unavailable)

        var idle = self.machine(maxInFlight: 4)
        let step16 = idle.drain(now: Self.t0)
        #expect(step16?.code == .unavailable)
    }

    @Test func idleTimeoutClosesOnlyWithoutCalls() {
        var machine = self.machine()
        _ = machine.receive(callID: 1, "a")
        machine.readComplete(receivedCall: true, partialFrame: false, now: self.at(0))
        // A call in flight for longer than the idle timeout: not idle.
        #expect(machine.nextDeadline(now: self.at(300)) == self.at(600))
        guard case .none = machine.timerFired(now: self.at(300)) else {
            Issue.record("a connection with a call in flight is not idle")
            return
        }
        _ = machine.finish(callID: 1)
        machine.answered(now: self.at(400))
        #expect(machine.nextDeadline(now: self.at(400)) == self.at(700), "idle counts from the answer")
        guard case .none = machine.timerFired(now: self.at(699)) else {
            Issue.record("not idle yet")
            return
        }
        guard case .close(let status) = machine.timerFired(now: self.at(700)) else {
            Issue.record("idle for the whole timeout: closed")
            return
        }
        #expect(status.code == .unavailable)
    }

    @Test func aFrameThatStallsClosesTheConnectionAfterTheFrameTimeout() {
        var machine = self.machine()
        machine.readComplete(receivedCall: false, partialFrame: true, now: self.at(1))
        // More bytes of the same frame do not restart its clock.
        machine.readComplete(receivedCall: false, partialFrame: true, now: self.at(5))
        #expect(machine.nextDeadline(now: self.at(5)) == self.at(11))
        guard case .close(let status) = machine.timerFired(now: self.at(11)) else {
            Issue.record("a frame incomplete for the frame timeout closes the connection")
            return
        }
        #expect(status.code == .resourceExhausted)
        #expect(status.message.contains("10 s"))
    }

    @Test func aFrameThatCompletesEndsItsClockAndTheNextStartsAfresh() {
        var machine = self.machine()
        machine.readComplete(receivedCall: false, partialFrame: true, now: self.at(1))
        _ = machine.receive(callID: 1, "a")
        machine.readComplete(receivedCall: true, partialFrame: true, now: self.at(8))
        #expect(machine.nextDeadline(now: self.at(8)) == self.at(18))
        _ = machine.receive(callID: 2, "b")
        machine.readComplete(receivedCall: true, partialFrame: false, now: self.at(9))
        guard case .none = machine.timerFired(now: self.at(18)) else {
            Issue.record("no frame is pending")
            return
        }
    }

    @Test func whileReadingIsHeldAFrameCannotArriveSoItsClockStops() {
        var machine = self.machine(maxInFlight: 1)
        _ = machine.receive(callID: 1, "a")
        machine.readComplete(receivedCall: true, partialFrame: true, now: self.at(0))
        let result1 = machine.shouldRead()
        #expect(!result1)
        guard case .none = machine.timerFired(now: self.at(60)) else {
            Issue.record("the frame timeout does not run while reading is held")
            return
        }
        let result2 = machine.finish(callID: 1).resumeReading
        #expect(result2)
        machine.readComplete(receivedCall: false, partialFrame: true, now: self.at(60))
        #expect(machine.nextDeadline(now: self.at(60)) == self.at(70))
    }

    @Test func unreadAnswersHoldReadingAndAPeerThatTakesNoneIsClosedAtTheWriteTimeout() {
        var machine = self.machine()
        let result3 = machine.writabilityChanged(isWritable: false, now: self.at(1))
        #expect(!result3.resumeReading)
        let result4 = machine.shouldRead()
        #expect(!result4, "over the high water mark the connection stops reading")
        let result5 = machine.writabilityChanged(isWritable: true, now: self.at(2))
        #expect(result5.resumeReading, "under the low mark it reads again")
        let result6 = machine.shouldRead()
        #expect(result6)

        _ = machine.writabilityChanged(isWritable: false, now: self.at(10))
        #expect(machine.nextDeadline(now: self.at(10)) == self.at(40))
        guard case .closeNow = machine.timerFired(now: self.at(40)) else {
            Issue.record("a peer that reads nothing for the write timeout is closed without a frame")
            return
        }
    }

    @Test func whileAnswersWaitUnreadNoWaitingCallStarts() {
        var machine = self.machine(maxInFlight: 1)
        _ = machine.receive(callID: 1, "a")
        _ = machine.receive(callID: 2, "b")
        _ = machine.receive(callID: 3, "c")
        _ = machine.writabilityChanged(isWritable: false, now: self.at(0))
        let finished = machine.finish(callID: 1)
        #expect(finished.answer)
        #expect(finished.start == nil, "its answer would only add to those unread")
        let drained = machine.writabilityChanged(isWritable: true, now: self.at(1))
        #expect(drained.start == ["b"], "one slot is free: one waiting call starts")
        let next = machine.finish(callID: 2)
        #expect(next.start == "c")
    }

    @Test func aClosingFrameThePeerDoesNotReadIsGivenUpAtTheWriteTimeout() {
        var machine = self.machine()
        guard let status = machine.drain(now: self.at(0)) else {
            Issue.record("an idle connection closes at once when draining")
            return
        }
        #expect(status.code == .unavailable)
        machine.closingFrameWritten(now: self.at(0))
        #expect(machine.nextDeadline(now: self.at(0)) == self.at(30))
        guard case .closeNow = machine.timerFired(now: self.at(30)) else {
            Issue.record("the socket closes without the frame being read")
            return
        }
    }

    @Test func theDrainGraceEndsWithTheCallsLeftAnsweredUnavailable() {
        var machine = self.machine(maxInFlight: 1)
        _ = machine.receive(callID: 1, "stuck")
        _ = machine.receive(callID: 2, "queued")
        let result7 = machine.drain(now: self.at(0))
        #expect(result7 == nil)
        #expect(machine.nextDeadline(now: self.at(0)) == self.at(10))
        guard case .none = machine.timerFired(now: self.at(9)) else {
            Issue.record("the grace is not over")
            return
        }
        guard case .abandon(let callIDs, let status) = machine.timerFired(now: self.at(10)) else {
            Issue.record("the grace is over: the calls left are abandoned")
            return
        }
        #expect(Set(callIDs) == [1, 2])
        #expect(status.code == .unavailable)
        let result8 = machine.finish(callID: 1).answer
        #expect(!result8, "a call abandoned is not answered again")
    }

    @Test func manyQueuedCallsAreCheckedForDuplicatesWithoutScanning() {
        var machine = self.machine(maxInFlight: 1)
        _ = machine.receive(callID: 1, "running")
        for callID in UInt64(2)...40_001 {
            _ = machine.receive(callID: callID, "queued")
        }
        guard case .none = machine.receive(callID: 40_001, "duplicate") else {
            Issue.record("a duplicate of a queued call fails the connection after the calls it has")
            return
        }
        guard case .failing(let status) = machine.phase else {
            Issue.record("failing")
            return
        }
        #expect(status.code == .invalidArgument)
    }

    @Test func aClosedConnectionAnswersNothing() {
        var machine = self.machine(maxInFlight: 4)
        _ = machine.receive(callID: 1, "a")
        machine.closed()
        let step19 = machine.finish(callID: 1)
        #expect(!step19.answer)
        let step20 = machine.receive(callID: 2, "b")
        #expect(!self.started(step20))
    }
}
