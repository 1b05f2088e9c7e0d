import Testing

@testable import Domain

@Suite struct WorkLimiterTests {
    /// Holds work until opened.
    private actor Gate {
        private var isOpen = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        func wait() async {
            if self.isOpen { return }
            await withCheckedContinuation { self.waiters.append($0) }
        }

        func open() {
            self.isOpen = true
            for waiter in self.waiters { waiter.resume() }
            self.waiters.removeAll()
        }
    }

    /// Waits (at most 10 s) until the limiter holds this much work.
    private func waitUntil(_ limiter: WorkLimiter, running: Int, waiting: Int) async {
        let deadline = ContinuousClock.now + .seconds(10)
        while limiter.load != (running, waiting) {
            guard ContinuousClock.now < deadline else {
                Issue.record("the limiter never held \(running) running and \(waiting) waiting")
                return
            }
            await Task.yield()
        }
    }

    @Test func pastTheRunningAndWaitingBoundsWorkIsRefusedAtOnce() async throws {
        let limiter = WorkLimiter(maxRunning: 1, maxWaiting: 1, refusal: "busy")
        let gate = Gate()
        let first = Task {
            try await limiter.run {
                await gate.wait()
                return 1
            }
        }
        await self.waitUntil(limiter, running: 1, waiting: 0)
        let second = Task { try await limiter.run { 2 } }
        await self.waitUntil(limiter, running: 1, waiting: 1)

        let refused = await #expect(throws: DomainError.self) { try await limiter.run { 3 } }
        #expect(refused?.code == .resourceExhausted)
        #expect(refused?.message == "busy")

        await gate.open()
        #expect(try await first.value == 1)
        #expect(try await second.value == 2, "the waiting work runs once a place frees")
        #expect(limiter.load == (0, 0))
    }

    @Test func cancelledWaitingWorkLeavesTheQueue() async throws {
        let limiter = WorkLimiter(maxRunning: 1, maxWaiting: 4, refusal: "busy")
        let gate = Gate()
        let first = Task { try await limiter.run { await gate.wait() } }
        await self.waitUntil(limiter, running: 1, waiting: 0)
        let waiting = Task { try await limiter.run { Issue.record("cancelled work never runs") } }
        await self.waitUntil(limiter, running: 1, waiting: 1)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(limiter.load == (1, 0))
        await gate.open()
        try await first.value
    }
}
