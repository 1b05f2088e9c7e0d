public import Foundation

/// The view reports admins ask for: top products, one product's series, brands.
///
/// Each report validates its window against the clock it is given (a test clock in tests),
/// so "now" is never read from the wall clock here.
public struct ViewReports: Sendable {
    /// `limit` 0 means this many products.
    static let defaultLimit = 10
    /// At most this many products in one TopProducts answer.
    static let maxLimit = 1000

    /// Reports running at once, daemon-wide, and waiting behind them; past both, a report is
    /// refused with `resourceExhausted`. A report may read a year of buckets: a few at once
    /// leave the store's connections (and SQLite's readers) to everything else.
    public static let maxRunning = 2
    public static let maxWaiting = 4

    private let store: any ViewReportStore
    private let hourlyRetention: Int64
    private let now: @Sendable () -> Date
    private let running: WorkLimiter

    /// - Parameter hourlyRetention: how long hourly buckets are kept, in seconds.
    public init(
        store: any ViewReportStore,
        hourlyRetention: Int64 = ReportWindow.defaultHourlyRetention,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.hourlyRetention = hourlyRetention
        self.now = now
        self.running = WorkLimiter(
            maxRunning: Self.maxRunning,
            maxWaiting: Self.maxWaiting,
            refusal: "too many reports running at once; try again shortly"
        )
    }

    /// Products by views in the window, most first, ties by sku.
    public func topProducts(
        start: Date?,
        end: Date?,
        limit: Int32,
        brand: String
    ) async throws -> (window: ReportWindow, products: [ProductViewCount]) {
        let limit = try Self.validLimit(limit)
        let window = try ReportWindow.totals(
            start: start,
            end: end,
            now: self.now(),
            hourlyRetention: self.hourlyRetention
        )
        let products = try await self.running.run {
            try await self.store.topProducts(in: window, brand: brand.isEmpty ? nil : brand, limit: limit)
        }
        return (window, products)
    }

    /// Views per brand in the window and the one before, most first, ties by brand.
    public func brandViews(start: Date?, end: Date?) async throws -> (window: ReportWindow, brands: [BrandViewCount]) {
        let window = try ReportWindow.totals(
            start: start,
            end: end,
            now: self.now(),
            hourlyRetention: self.hourlyRetention
        )
        let brands = try await self.running.run { try await self.store.brandViews(in: window) }.sorted { a, b in
            a.views != b.views ? a.views > b.views : a.brand.utf8.lexicographicallyPrecedes(b.brand.utf8)
        }
        return (window, brands)
    }

    /// One point per bucket of the window, zero-filled, oldest first.
    /// - Parameter granularity: `nil` means hours.
    /// - Throws: `notFound` when the sku never named a product.
    public func series(
        sku: String,
        start: Date?,
        end: Date?,
        granularity: ViewGranularity?
    ) async throws -> ViewSeries {
        guard let parsed = UUID(uuidString: sku) else {
            throw DomainError.invalid([FieldViolation(field: "sku", description: "must be a UUID")])
        }
        let window = try ReportWindow.series(
            start: start,
            end: end,
            granularity: granularity ?? .hour,
            now: self.now(),
            hourlyRetention: self.hourlyRetention
        )
        let found = try await self.running.run {
            try await self.store.viewBuckets(sku: parsed, from: window.start, to: window.end)
        }
        guard let history = found else {
            throw DomainError(.notFound, "product \(parsed.canonicalText) has never existed")
        }
        return ViewSeries(window: window, history: history)
    }

    /// Folds the hourly buckets past the retention into daily ones; the flush service calls
    /// it as each hour begins.
    @discardableResult
    public func foldExpiredHours() async throws -> Int {
        try await self.store.foldHourlyViews(
            before: ReportWindow.foldCutoff(now: self.now(), hourlyRetention: self.hourlyRetention)
        )
    }

    private static func validLimit(_ limit: Int32) throws(DomainError) -> Int {
        switch limit {
        case 0: return Self.defaultLimit
        case 1...Int32(Self.maxLimit): return Int(limit)
        default:
            throw DomainError.invalid([
                FieldViolation(
                    field: "limit",
                    description: "must be between 0 and \(Self.maxLimit) (0 means \(Self.defaultLimit))"
                )
            ])
        }
    }
}

/// A product's views, one point per bucket of a window.
public struct ViewSeries: Sendable, Hashable {
    public struct Point: Sendable, Hashable {
        /// The bucket's start, in seconds since 1970.
        public var start: Int64
        public var views: UInt64
    }

    public var window: ReportWindow
    public var sku: UUID
    public var name: String
    public var brand: String
    public var deleted: Bool
    public var totalViews: UInt64
    public var points: [Point]

    /// Sums the stored buckets (hours, or days the hours were folded into) into the
    /// window's buckets, zero-filled.
    init(window: ReportWindow, history: ViewBuckets) {
        var sums: [Int64: UInt64] = [:]
        for (start, views) in history.buckets {
            sums[window.granularity.bucketStart(containing: start), default: 0] += views
        }
        self.window = window
        self.sku = history.sku
        self.name = history.name
        self.brand = history.brand
        self.deleted = history.deleted
        self.totalViews = history.totalViews
        self.points = window.bucketStarts.map { Point(start: $0, views: sums[$0] ?? 0) }
    }
}
