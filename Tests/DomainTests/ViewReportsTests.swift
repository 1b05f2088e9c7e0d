import Domain
import Foundation
import Synchronization
import Testing

/// A `ViewReportStore` that answers fixed rows and records what it was asked.
private final class FixedReportStore: ViewReportStore {
    let asked = Mutex<[String]>([])
    let history: ViewBuckets?
    let brands: [BrandViewCount]

    init(history: ViewBuckets? = nil, brands: [BrandViewCount] = []) {
        self.history = history
        self.brands = brands
    }

    func topProducts(in window: ReportWindow, brand: String?, limit: Int) async throws -> [ProductViewCount] {
        self.asked.withLock { $0.append("top \(window.start)..<\(window.end) \(brand ?? "-") \(limit)") }
        return []
    }

    func brandViews(in window: ReportWindow) async throws -> [BrandViewCount] { self.brands }

    func viewBuckets(sku: UUID, from start: Int64, to end: Int64) async throws -> ViewBuckets? {
        self.asked.withLock { $0.append("buckets \(start)..<\(end)") }
        return self.history
    }

    func foldHourlyViews(before cutoff: Int64) async throws -> Int {
        self.asked.withLock { $0.append("fold \(cutoff)") }
        return 0
    }
}

@Suite struct ViewReportsTests {
    /// 2026-12-02 10:30 UTC.
    static let now = Date(timeIntervalSince1970: 1_796_207_400)
    static let hour: Int64 = 3600

    private func reports(_ store: FixedReportStore) -> ViewReports {
        ViewReports(store: store, now: { Self.now })
    }

    @Test func topProductsWidensTheWindowAndBoundsTheLimit() async throws {
        let store = FixedReportStore()
        let start = Self.now.addingTimeInterval(-86_400)
        let (window, _) = try await self.reports(store).topProducts(start: start, end: Self.now, limit: 0, brand: "")
        #expect(window == ReportWindow(start: 1_796_119_200, end: 1_796_209_200, granularity: .hour))
        _ = try await self.reports(store).topProducts(start: start, end: Self.now, limit: 1000, brand: "Acme")
        #expect(
            store.asked.withLock { $0 } == [
                "top 1796119200..<1796209200 - 10", "top 1796119200..<1796209200 Acme 1000",
            ]
        )
        for limit: Int32 in [-1, 1001] {
            let error = await #expect(throws: DomainError.self) {
                _ = try await self.reports(store).topProducts(start: start, end: Self.now, limit: limit, brand: "")
            }
            #expect(error?.fieldViolations.map(\.field) == ["limit"])
        }
    }

    @Test func aSeriesIsZeroFilledAndSumsFoldedDays() async throws {
        let day = ViewGranularity.day.bucketStart(containing: 1_796_207_400)
        let history = ViewBuckets(
            sku: UUID(),
            name: "Lamp",
            brand: "Acme",
            deleted: true,
            totalViews: 99,
            buckets: [day - 86_400: 5, day + 3 * Self.hour: 2, day + 9 * Self.hour: 3]
        )
        let store = FixedReportStore(history: history)
        let hourly = try await self.reports(store).series(
            sku: history.sku.uuidString,
            start: Date(timeIntervalSince1970: Double(day)),
            end: Self.now,
            granularity: nil
        )
        #expect(hourly.points.count == 11, "00:00 to 11:00, the end widened up")
        #expect(hourly.points.filter { $0.views > 0 }.map(\.start) == [day + 3 * Self.hour, day + 9 * Self.hour])
        #expect(hourly.totalViews == 99 && hourly.deleted)
        let daily = try await self.reports(store).series(
            sku: history.sku.uuidString,
            start: Date(timeIntervalSince1970: Double(day - 86_400)),
            end: Self.now,
            granularity: .day
        )
        #expect(daily.points.map(\.views) == [5, 5])
    }

    @Test func seriesErrorsNameTheirField() async throws {
        let store = FixedReportStore()
        let start = Self.now.addingTimeInterval(-3600)
        let badSku = await #expect(throws: DomainError.self) {
            _ = try await self.reports(store).series(sku: "lamp", start: start, end: Self.now, granularity: nil)
        }
        #expect(badSku?.fieldViolations.map(\.field) == ["sku"])
        let unknown = await #expect(throws: DomainError.self) {
            _ = try await self.reports(store).series(
                sku: UUID().uuidString,
                start: start,
                end: Self.now,
                granularity: nil
            )
        }
        #expect(unknown?.code == .notFound)
        let tooOld = await #expect(throws: DomainError.self) {
            _ = try await self.reports(store).series(
                sku: UUID().uuidString,
                start: Self.now.addingTimeInterval(-100 * 86_400),
                end: Self.now,
                granularity: .hour
            )
        }
        #expect(tooOld?.fieldViolations.map(\.field) == ["start_time"])
    }

    @Test func brandsAreSortedByViewsThenBrandBytes() async throws {
        let store = FixedReportStore(brands: [
            BrandViewCount(brand: "b", views: 1, previousViews: 0),
            BrandViewCount(brand: "Z", views: 5, previousViews: 9),
            BrandViewCount(brand: "a", views: 5, previousViews: 0),
            BrandViewCount(brand: "gone", views: 0, previousViews: 4),
        ])
        let (_, brands) = try await self.reports(store).brandViews(
            start: Self.now.addingTimeInterval(-3600),
            end: Self.now
        )
        #expect(brands.map(\.brand) == ["Z", "a", "b", "gone"])
    }

    @Test func foldingCutsAWholeDayBeyondTheRetention() async throws {
        let store = FixedReportStore()
        try await self.reports(store).foldExpiredHours()
        let today = ViewGranularity.day.bucketStart(containing: 1_796_207_400)
        #expect(store.asked.withLock { $0 } == ["fold \(today - 91 * 86_400)"])
    }

    @Test func aTotalOverMoreThanAYearIsRefusedBeforeTheStoreIsAsked() async throws {
        let store = FixedReportStore()
        let allTime = Date(timeIntervalSince1970: -62_135_596_800)
        for report in ["top", "brands"] {
            let error = await #expect(throws: DomainError.self) {
                if report == "top" {
                    _ = try await self.reports(store).topProducts(start: allTime, end: Self.now, limit: 0, brand: "")
                } else {
                    _ = try await self.reports(store).brandViews(start: allTime, end: Self.now)
                }
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.fieldViolations.map(\.field) == ["end_time"])
            #expect(error?.fieldViolations.first?.description.contains("366 days") == true)
        }
        #expect(store.asked.withLock { $0 }.isEmpty)
        // 366 days exactly is a total, whatever fraction of a second the ends fall on.
        let end = Self.now.addingTimeInterval(0.25)
        let year = end.addingTimeInterval(-366 * 86_400)
        _ = try await self.reports(store).topProducts(start: year, end: end, limit: 0, brand: "")
        #expect(store.asked.withLock { $0 }.count == 1)
    }

    @Test func twoReportsRunAtOnceFourWaitAndTheRestAreRefused() async throws {
        let store = BlockedReportStore()
        let reports = ViewReports(store: store, now: { Self.now })
        let start = Self.now.addingTimeInterval(-86_400)
        try await withThrowingTaskGroup(of: DomainError.Code?.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do {
                        _ = try await reports.topProducts(start: start, end: Self.now, limit: 0, brand: "")
                        return nil
                    } catch let error as DomainError {
                        return error.code
                    }
                }
            }
            var refused = 0
            while refused < 20 - ViewReports.maxRunning - ViewReports.maxWaiting {
                if try await group.next() == .resourceExhausted { refused += 1 }
            }
            store.release.open()
            var answered = 0
            for try await code in group {
                #expect(code == nil)
                answered += 1
            }
            #expect(answered == ViewReports.maxRunning + ViewReports.maxWaiting)
        }
        #expect(store.maxRunning.withLock { $0 } <= ViewReports.maxRunning, "never more at once")
    }
}

/// A `ViewReportStore` whose TopProducts waits until the test releases it, counting how many run.
private final class BlockedReportStore: ViewReportStore {
    let running = Mutex(0)
    let maxRunning = Mutex(0)
    let release = ReleaseGate()

    func topProducts(in window: ReportWindow, brand: String?, limit: Int) async throws -> [ProductViewCount] {
        self.running.withLock { running in
            running += 1
            self.maxRunning.withLock { $0 = max($0, running) }
        }
        await self.release.wait()
        self.running.withLock { $0 -= 1 }
        return []
    }

    func brandViews(in window: ReportWindow) async throws -> [BrandViewCount] { [] }
    func viewBuckets(sku: UUID, from start: Int64, to end: Int64) async throws -> ViewBuckets? { nil }
    func foldHourlyViews(before cutoff: Int64) async throws -> Int { 0 }
}

/// Opens once; every waiter, before or after, goes on.
private final class ReleaseGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let open = self.state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiters = self.state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters {
            waiter.resume()
        }
    }
}
