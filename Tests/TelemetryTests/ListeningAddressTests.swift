import Listening
import TestSupport
import Testing

/// What the ready line waits on: a listener's address, told once, to every asker.
@Suite struct ListeningAddressTests {
    @Test func askersBeforeTheBindWaitForItAndLaterOnesGetItAtOnce() async throws {
        let address = ListeningAddress<Int>()
        try await withTimeout(.seconds(60), "both askers to hear the bind") {
            try await withThrowingTaskGroup(of: Int?.self) { askers in
                for _ in 0..<2 {
                    askers.addTask { await address.value() }
                }
                address.bound(7444)
                address.ended()
                for try await answer in askers {
                    #expect(answer == 7444)
                }
            }
        }
        #expect(await address.value() == 7444, "a listener that bound and ended keeps its address")
    }

    @Test func aListenerThatEndsWithoutBindingAnswersNil() async {
        let address = ListeningAddress<Int>()
        address.ended()
        address.bound(1)
        #expect(await address.value() == nil)
    }
}
