import Testing

@testable import Telemetry

@Suite struct ShardedCountersTests {
    @Test func addsFromManyThreadsSumExactly() async {
        let counters = ShardedCounters(count: 3, shards: 2)
        // More tasks than shards: shards are shared, and the atomics still count every add.
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for _ in 0..<10_000 {
                        counters.add(at: task % 3)
                    }
                    counters.add(5, at: 2)
                }
            }
        }
        #expect(counters.total(at: 0) == 30_000)
        #expect(counters.total(at: 1) == 30_000)
        #expect(counters.total(at: 2) == 20_000 + 8 * 5)
    }
}
