import NIOCore
import Synchronization
import Testing

@testable import Telemetry

/// The metrics listener's bounds as values: which connections it serves, and when it closes one.
@Suite struct MetricsConnectionBoundsTests {
    @Test func eachAddressGetsItsShareAndProbesKeepSlotsPastTheScrapers() {
        var admission = MetricsAdmission(maxConnections: 4, probeConnections: 2, maxPerAddress: 2)
        #expect(admission.admit(address: "10.0.0.1") == .serve(probesOnly: false))
        #expect(admission.admit(address: "10.0.0.1") == .serve(probesOnly: false))
        #expect(admission.admit(address: "10.0.0.1") == .refuse, "past its address's share")
        #expect(admission.admit(address: "10.0.0.2") == .serve(probesOnly: false))
        #expect(admission.admit(address: "10.0.0.2") == .serve(probesOnly: false))
        // Every full slot held: the next ones only answer probes, then none.
        #expect(admission.admit(address: "10.0.0.3") == .serve(probesOnly: true))
        #expect(admission.admit(address: "10.0.0.4") == .serve(probesOnly: true))
        #expect(admission.admit(address: "10.0.0.5") == .refuse)
        admission.release(address: "10.0.0.1", probesOnly: false)
        #expect(admission.admit(address: "10.0.0.1") == .serve(probesOnly: false))
        admission.release(address: "10.0.0.3", probesOnly: true)
        #expect(admission.admit(address: "10.0.0.5") == .serve(probesOnly: true))
        for address in ["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2"] {
            admission.release(address: address, probesOnly: false)
        }
        for address in ["10.0.0.4", "10.0.0.5"] {
            admission.release(address: address, probesOnly: true)
        }
        #expect(admission.open == 0 && admission.openProbeSlots == 0 && admission.addresses == 0)
    }

    private let opened = NIODeadline.uptimeNanoseconds(1_000_000_000)

    /// Runs a mutating call outside `#expect`, which may not mutate.
    private static func call(_ body: () -> Bool) -> Bool { body() }

    @Test func aRequestNotWholeInTimeClosesTheConnection() {
        var clock = MetricsConnectionClock(opened: self.opened, requestTimeout: .seconds(10), maxAge: .seconds(300))
        #expect(clock.deadline == self.opened + .seconds(10))
        // A byte every 50 s would never finish a request: the deadline does not move for bytes.
        #expect(!Self.call { clock.timerFired(now: self.opened + .seconds(9)) })
        #expect(Self.call { clock.timerFired(now: self.opened + .seconds(10)) })
        #expect(clock.state == .closed)
    }

    @Test func eachAnswerGivesTheNextRequestItsTimeUntilTheConnectionsAge() {
        var clock = MetricsConnectionClock(opened: self.opened, requestTimeout: .seconds(10), maxAge: .seconds(25))
        clock.requestEnded()
        #expect(clock.deadline == nil, "no deadline while the answer is made")
        #expect(!Self.call { clock.answerEnded(now: self.opened + .seconds(5)) })
        #expect(clock.deadline == self.opened + .seconds(15))
        clock.requestEnded()
        #expect(!Self.call { clock.answerEnded(now: self.opened + .seconds(20)) })
        #expect(clock.deadline == self.opened + .seconds(25), "the age comes first")
        clock.requestEnded()
        #expect(
            Self.call { clock.answerEnded(now: self.opened + .seconds(26)) },
            "past its age: closed after this answer"
        )
    }
}

@Suite struct ThrottledReadingTests {
    @Test func askersAtOnceShareOneReadAndLaterOnesTheLastWithinTheInterval() async {
        let reads = ReadCounter()
        let start = ContinuousClock.now
        let now = ManualInstant(start)
        let reading = ThrottledReading(interval: .seconds(1), now: { now.value }, read: { await reads.next() })
        let values = await withTaskGroup(of: Int?.self) { group in
            for _ in 0..<100 {
                group.addTask { await reading.value() }
            }
            return await group.reduce(into: [Int?]()) { $0.append($1) }
        }
        #expect(Set(values) == [1], "one read for 100 scrapes at once")
        now.value = start + .milliseconds(900)
        #expect(await reading.value() == 1)
        now.value = start + .seconds(2)
        #expect(await reading.value() == 2)
        #expect(await reads.count == 2)
    }
}

private actor ReadCounter {
    private(set) var count = 0

    func next() async -> Int {
        self.count += 1
        // Let other askers arrive while this read is under way.
        for _ in 0..<10 { await Task.yield() }
        return self.count
    }
}

private final class ManualInstant: Sendable {
    private let storage: Mutex<ContinuousClock.Instant>

    init(_ value: ContinuousClock.Instant) {
        self.storage = Mutex(value)
    }

    var value: ContinuousClock.Instant {
        get { self.storage.withLock { $0 } }
        set { self.storage.withLock { $0 = newValue } }
    }
}
