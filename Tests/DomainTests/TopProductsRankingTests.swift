import Domain
import Foundation
import Testing

/// How a store that sums views itself picks and orders TopProducts' histories.
@Suite struct TopProductsRankingTests {
    @Test func contendersAreTheLeadersWithEveryTieAtTheThreshold() {
        let views: [Int64: UInt64] = [1: 9, 2: 5, 3: 5, 4: 5, 5: 3, 6: 1]
        #expect(TopProductsRanking.contenders(of: views, limit: 2) == [1: 9, 2: 5, 3: 5, 4: 5])
        #expect(TopProductsRanking.contenders(of: views, limit: 5) == [1: 9, 2: 5, 3: 5, 4: 5, 5: 3])
        #expect(TopProductsRanking.contenders(of: views, limit: 6) == views)
        #expect(TopProductsRanking.contenders(of: views, limit: 100) == views)
        #expect(TopProductsRanking.contenders(of: views, limit: 0).isEmpty)
        #expect(TopProductsRanking.contenders(of: [:], limit: 10).isEmpty)
    }

    @Test func rankedByViewsThenSkuThenTheNewerHistory() throws {
        let skus = try ["0a", "0b", "fa"].map {
            try #require(UUID(uuidString: "00000000-0000-4000-8000-0000000000\($0)"))
        }
        func contender(_ id: Int64, _ sku: UUID, _ views: UInt64) -> TopProductsRanking.Contender {
            let count = ProductViewCount(
                sku: sku,
                name: "",
                brand: "",
                views: views,
                previousViews: 0,
                deleted: id < 3
            )
            return TopProductsRanking.Contender(historyID: id, count: count)
        }
        let contenders = [
            contender(1, skus[1], 5),
            contender(2, skus[2], 5),  // the sku's deleted history, then its live one, re-created
            contender(5, skus[2], 5),
            contender(3, skus[0], 2),
            contender(4, skus[0], 7),
        ]
        let ranked = TopProductsRanking.ranked(contenders, limit: 10).map(\.historyID)
        #expect(ranked == [4, 1, 5, 2, 3])
        #expect(TopProductsRanking.ranked(contenders, limit: 2).map(\.historyID) == [4, 1])
    }
}
