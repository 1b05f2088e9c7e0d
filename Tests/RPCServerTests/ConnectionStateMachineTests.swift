import Codec
import Testing

@testable import RPCServer

@Suite struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine<String>

    private func started(_ action: Machine.ReceiveAction) -> Bool {
        if case .start = action { true } else { false }
    }

    private func closeStatus(_ action: Machine.ReceiveAction) -> RPCStatus? {
        if case .close(let status) = action { status } else { nil }
    }

    @Test func startsCallsUpToTheBoundThenQueuesAndHoldsReads() {
        var machine = Machine(maxInFlight: 2)
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
        var machine = Machine(maxInFlight: 4)
        _ = machine.receive(callID: 5, "a")
        let step7 = machine.finish(callID: 5)
        #expect(step7.answer)
        let step8 = machine.finish(callID: 5)
        #expect(!step8.answer, "the handler finishing after its deadline is dropped")
        let step9 = machine.finish(callID: 6)
        #expect(!step9.answer)
    }

    @Test func zeroAndDuplicateCallIDsFailTheConnectionAfterCallsInFlight() {
        var machine = Machine(maxInFlight: 1)
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

        var fresh = Machine(maxInFlight: 1)
        let step12 = fresh.receive(callID: 0, "zero")
        #expect(self.closeStatus(step12)?.code == .invalidArgument)
    }

    @Test func drainingRejectsNewCallsAndClosesWhenIdle() {
        var machine = Machine(maxInFlight: 4)
        _ = machine.receive(callID: 1, "a")
        let step13 = machine.drain()
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

        var idle = Machine(maxInFlight: 4)
        let step16 = idle.drain()
        #expect(step16?.code == .unavailable)
    }

    @Test func idleTimeoutClosesOnlyWithoutCalls() {
        var machine = Machine(maxInFlight: 4)
        _ = machine.receive(callID: 1, "a")
        let step17 = machine.idleTimeout()
        #expect(step17 == nil)
        _ = machine.finish(callID: 1)
        let step18 = machine.idleTimeout()
        #expect(step18?.code == .unavailable)
    }

    @Test func aClosedConnectionAnswersNothing() {
        var machine = Machine(maxInFlight: 4)
        _ = machine.receive(callID: 1, "a")
        machine.closed()
        let step19 = machine.finish(callID: 1)
        #expect(!step19.answer)
        let step20 = machine.receive(callID: 2, "b")
        #expect(!self.started(step20))
    }
}
