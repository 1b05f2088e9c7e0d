import Domain
import Foundation
import Storage
import TestSupport
import Testing

/// What every `ViewReportStore` must do with the buckets `addViews` writes, on SQLite and
/// PostgreSQL alike. Hours are given explicitly: the store never reads a clock for them.
@Suite struct ViewReportConformanceTests {
    private static let day: Int64 = 86_400
    /// A UTC midnight, far from the epoch.
    private static let monday: Int64 = 1_790_294_400

    /// Every window a test needs to see everything: a day-granular window over all time.
    private static let allTime = ReportWindow(start: 0, end: 4_000_000_000, granularity: .day)

    @Test(arguments: StoreKind.enabled)
    func bucketsMatchAModelAcrossRandomFlushesDeletesRecreationsAndFolds(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var model = ViewModel()
            var generator = SeededGenerator(seed: 13)
            var live: [UUID: Product] = [:]
            let skus = (0..<12).map { _ in UUID() }
            for sku in skus.prefix(8) {
                let product = Fixtures.product(
                    name: "P-\(sku.uuidString.prefix(4))",
                    brand: "B\(live.count % 3)",
                    sku: sku
                )
                try await store.insertProduct(product, change: Fixtures.created(product), continueViewHistory: false)
                model.create(product, continuing: false)
                live[sku] = product
            }
            // 200 steps over six days of hours: flushes of random counts (also for skus that
            // are not live), deletes, re-creations either way, and folds of the days behind.
            for step in 0..<200 {
                let hour = Self.monday + Int64(step / 4) * 3600 + Int64.random(in: 0...1, using: &generator) * 3600
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<7:
                    var counts: [UUID: UInt64] = [:]
                    for sku in skus where Bool.random(using: &generator) {
                        counts[sku] = UInt64.random(in: 1...50, using: &generator)
                    }
                    let totals = try await store.addViews(counts, hour: hour)
                    #expect(totals == model.flush(counts, hour: hour, live: Set(live.keys)))
                case 7:
                    if let sku = live.keys.randomElement(using: &generator) {
                        _ = try await store.deleteProduct(sku: sku, at: Timestamp.now()) { Fixtures.deleted($0) }
                        model.delete(sku)
                        live[sku] = nil
                    }
                case 8:
                    if let sku = skus.filter({ live[$0] == nil }).randomElement(using: &generator) {
                        let continuing = Bool.random(using: &generator)
                        let product = Fixtures.product(name: "Again \(step)", brand: "B\(step % 3)", sku: sku)
                        let views = try await store.insertProduct(
                            product,
                            change: Fixtures.created(product),
                            continueViewHistory: continuing
                        )
                        #expect(views == model.create(product, continuing: continuing))
                        live[sku] = product
                    }
                default:
                    let cutoff = ViewGranularity.day.bucketStart(containing: hour)
                    _ = try await store.foldHourlyViews(before: cutoff)
                    model.fold(before: cutoff)
                }
            }
            try await model.expectEqual(to: store, live: live)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func foldingMovesHoursIntoTheirDayAndKeepsTheSums(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let product = Fixtures.product()
            try await store.insertProduct(product, change: Fixtures.created(product), continueViewHistory: false)
            // 00:00, 05:00 and 23:00 of Monday, 01:00 of Tuesday.
            for (offset, views) in [(0, 1), (5, 2), (23, 4), (25, 8)] as [(Int64, UInt64)] {
                _ = try await store.addViews([product.sku: views], hour: Self.monday + offset * 3600)
            }
            let tuesday = Self.monday + Self.day
            #expect(
                try await store.foldHourlyViews(before: tuesday) == 2,
                "05:00 and 23:00 move; 00:00 becomes the day"
            )
            #expect(try await store.foldHourlyViews(before: tuesday) == 0, "folding again changes nothing")
            let history = try #require(try await store.viewBuckets(sku: product.sku, from: 0, to: .max))
            #expect(history.buckets == [Self.monday: 7, tuesday + 3600: 8])
            #expect(history.totalViews == 15)
            #expect(try await store.product(sku: product.sku)?.views == 15)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func deletedProductsStayInReportsWithTheirLastNameAndBrand(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let product = Fixtures.product(name: "Lamp", brand: "Acme")
            try await store.insertProduct(product, change: Fixtures.created(product), continueViewHistory: false)
            _ = try await store.addViews([product.sku: 3], hour: Self.monday)
            _ = try await store.updateProduct(sku: product.sku, Fixtures.rename(to: "Desk lamp"))
            _ = try await store.deleteProduct(sku: product.sku, at: Timestamp.now()) { Fixtures.deleted($0) }
            #expect(
                try await store.addViews([product.sku: 5], hour: Self.monday) == [:],
                "views after deletion are not counted"
            )

            let top = try await store.topProducts(in: Self.allTime, brand: nil, limit: 10)
            #expect(
                top == [
                    ProductViewCount(
                        sku: product.sku,
                        name: "Desk lamp",
                        brand: "Acme",
                        views: 3,
                        previousViews: 0,
                        deleted: true
                    )
                ]
            )
            let history = try #require(try await store.viewBuckets(sku: product.sku, from: 0, to: .max))
            #expect(history.deleted && history.name == "Desk lamp" && history.totalViews == 3)
            #expect(
                try await store.brandViews(in: Self.allTime) == [
                    BrandViewCount(brand: "Acme", views: 3, previousViews: 0)
                ]
            )
            #expect(
                try await store.viewBuckets(sku: UUID(), from: 0, to: .max) == nil,
                "a sku never used has no history"
            )
        }
    }

    @Test(arguments: StoreKind.enabled)
    func aRecreatedSkuContinuesItsHistoryOnlyWhenAsked(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let first = Fixtures.product(name: "First")
            try await store.insertProduct(first, change: Fixtures.created(first), continueViewHistory: false)
            _ = try await store.addViews([first.sku: 4], hour: Self.monday)
            _ = try await store.deleteProduct(sku: first.sku, at: Timestamp.now()) { Fixtures.deleted($0) }

            let fresh = Fixtures.product(name: "Fresh", sku: first.sku)
            #expect(
                try await store.insertProduct(fresh, change: Fixtures.created(fresh), continueViewHistory: false) == 0
            )
            #expect(try await store.addViews([first.sku: 1], hour: Self.monday) == [first.sku: 1])
            let both = try await store.topProducts(in: Self.allTime, brand: nil, limit: 10)
            #expect(both.map(\.name) == ["First", "Fresh"], "the deleted history stays apart, most views first")
            #expect(both.map(\.deleted) == [true, false])

            _ = try await store.deleteProduct(sku: first.sku, at: Timestamp.now()) { Fixtures.deleted($0) }
            let continued = Fixtures.product(name: "Continued", sku: first.sku)
            #expect(
                try await store.insertProduct(continued, change: Fixtures.created(continued), continueViewHistory: true)
                    == 1
            )
            #expect(try await store.product(sku: first.sku)?.views == 1, "it takes up the newest history")
            #expect(try await store.addViews([first.sku: 2], hour: Self.monday + 3600) == [first.sku: 3])
            let history = try #require(try await store.viewBuckets(sku: first.sku, from: 0, to: .max))
            #expect(
                history.name == "Continued" && !history.deleted
                    && history.buckets == [Self.monday: 1, Self.monday + 3600: 2]
            )
        }
    }

    @Test(arguments: StoreKind.enabled)
    func topProductsRanksByViewsThenSkuWithThePreviousWindowAndABrand(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let skus = (0..<4).map { _ in UUID() }.sorted { $0.canonicalText < $1.canonicalText }
            let brands = ["Acme", "Acme", "Zeta", "acme"]
            for (sku, brand) in zip(skus, brands) {
                let product = Fixtures.product(name: brand, brand: brand, sku: sku)
                try await store.insertProduct(product, change: Fixtures.created(product), continueViewHistory: false)
            }
            let window = ReportWindow(start: Self.monday, end: Self.monday + 2 * 3600, granularity: .hour)
            // Before the previous window, the previous window, the window, and after it.
            _ = try await store.addViews([skus[0]: 100], hour: Self.monday - 3 * 3600)
            _ = try await store.addViews([skus[0]: 7, skus[2]: 1], hour: Self.monday - 3600)
            _ = try await store.addViews([skus[0]: 5, skus[1]: 5, skus[3]: 2], hour: Self.monday)
            _ = try await store.addViews([skus[2]: 9, skus[3]: 1], hour: Self.monday + 3600)
            _ = try await store.addViews([skus[1]: 100], hour: Self.monday + 2 * 3600)

            let top = try await store.topProducts(in: window, brand: nil, limit: 10)
            #expect(top.map(\.sku) == [skus[2], skus[0], skus[1], skus[3]], "ties (5, 5) by sku")
            #expect(top.map(\.views) == [9, 5, 5, 3])
            #expect(top.map(\.previousViews) == [1, 7, 0, 0])
            #expect(try await store.topProducts(in: window, brand: nil, limit: 2).map(\.sku) == [skus[2], skus[0]])
            #expect(try await store.topProducts(in: window, brand: "Acme", limit: 10).map(\.sku) == [skus[0], skus[1]])

            let brandViews = Set(try await store.brandViews(in: window))
            #expect(
                brandViews == [
                    BrandViewCount(brand: "Acme", views: 10, previousViews: 7),
                    BrandViewCount(brand: "Zeta", views: 9, previousViews: 1),
                    BrandViewCount(brand: "acme", views: 3, previousViews: 0),
                ]
            )
        }
    }
}

/// What the buckets and totals must be, kept by the test as the store should keep them.
private struct ViewModel {
    struct History {
        var sku: UUID
        var name: String
        var brand: String
        var deleted = false
        var total: UInt64 = 0
        var buckets: [Int64: UInt64] = [:]
    }

    private(set) var histories: [History] = []

    private func liveIndex(_ sku: UUID) -> Int? {
        self.histories.lastIndex { $0.sku == sku && !$0.deleted }
    }

    @discardableResult
    mutating func create(_ product: Product, continuing: Bool) -> UInt64 {
        if continuing, let index = self.histories.lastIndex(where: { $0.sku == product.sku }) {
            self.histories[index].deleted = false
            self.histories[index].name = product.name
            self.histories[index].brand = product.brand
            return self.histories[index].total
        }
        self.histories.append(History(sku: product.sku, name: product.name, brand: product.brand))
        return 0
    }

    mutating func delete(_ sku: UUID) {
        if let index = self.liveIndex(sku) { self.histories[index].deleted = true }
    }

    mutating func flush(_ counts: [UUID: UInt64], hour: Int64, live: Set<UUID>) -> [UUID: UInt64] {
        var totals: [UUID: UInt64] = [:]
        for (sku, views) in counts {
            guard live.contains(sku), let index = self.liveIndex(sku) else { continue }
            self.histories[index].total += views
            self.histories[index].buckets[hour, default: 0] += views
            totals[sku] = self.histories[index].total
        }
        return totals
    }

    mutating func fold(before cutoff: Int64) {
        for index in self.histories.indices {
            var folded: [Int64: UInt64] = [:]
            for (start, views) in self.histories[index].buckets {
                let key = start < cutoff ? ViewGranularity.day.bucketStart(containing: start) : start
                folded[key, default: 0] += views
            }
            self.histories[index].buckets = folded
        }
    }

    /// The store's totals, buckets and all-time report equal the model's; every history's
    /// buckets sum to its total.
    func expectEqual(to store: any CatalogStore, live: [UUID: Product]) async throws {
        let everything = ReportWindow(start: 0, end: 4_000_000_000, granularity: .day)
        let top = try await store.topProducts(in: everything, brand: nil, limit: 1000)
        let expected = self.histories.filter { $0.total > 0 }
        #expect(expected.count > live.count, "the run left deleted histories with views too")
        #expect(top.count == expected.count)
        for history in expected {
            #expect(history.buckets.values.reduce(0, +) == history.total)
            let reported = top.filter {
                $0.sku == history.sku && $0.deleted == history.deleted && $0.name == history.name
            }
            #expect(reported.map(\.views) == [history.total], "history of \(history.sku)")
        }
        for (sku, _) in live {
            let index = try #require(self.liveIndex(sku))
            let stored = try #require(try await store.viewBuckets(sku: sku, from: 0, to: .max))
            #expect(stored.buckets.filter { $0.value > 0 } == self.histories[index].buckets.filter { $0.value > 0 })
            #expect(stored.totalViews == self.histories[index].total)
            #expect(try await store.product(sku: sku)?.views == self.histories[index].total)
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failure repeats.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
