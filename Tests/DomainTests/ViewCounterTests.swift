import Domain
import Foundation
import Testing

@Suite struct ViewCounterTests {
    @Test func concurrentCountsAddUpExactly() async {
        let counter = ViewCounter()
        let skus = (0..<8).map { _ in UUID() }
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in 0..<10_000 {
                        counter.count(skus[(worker + index) % skus.count])
                    }
                }
            }
        }
        let drained = counter.drain()
        #expect(drained.values.reduce(0, +) == 80_000)
        #expect(drained.count == 8)
        #expect(counter.drain().isEmpty)
    }
}
