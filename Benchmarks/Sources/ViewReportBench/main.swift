// ViewReportBench: builds a catalog of view buckets and times what the daemon does with it.
//
//   ViewReportBench sqlite PATH | postgres URL
//       [products 100000] [days 90] [picks-per-hour 4000] [dense-hours 0] [runs 20]
//   VIEW_REPORT_BENCH_REUSE=1 ViewReportBench postgres URL ...: times the calls on the data set
//       already in the database (built within the hour), without building it again.
//
// The data set: `products` products, and for each hour of the last `days` days, views of
// products drawn with a long tail (product rank ~ N * u^3, so the first few hundred are seen
// every hour and most only now and then); `picks-per-hour` draws per hour, summed per product.
// `dense-hours` more: the last hours with a view of every product (the worst case of a load
// test that reads the whole catalog). Then it times, with the store's own calls:
//   - a flush of one view of every product (addViews of `products` distinct skus);
//   - TopProducts over the last 24 hours, limit 100 (and the 24 hours before it);
//   - BrandViews over the last 24 hours (and the 24 hours before them);
//   - ProductViewSeries over 14 days, hourly, of random products.
import Domain
import Foundation
import GRDB
import Logging
import Storage

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2, ["sqlite", "postgres"].contains(arguments[0]) else {
    print("usage: ViewReportBench sqlite PATH | postgres URL [products] [days] [picks-per-hour] [dense-hours] [runs]")
    exit(2)
}
func number(_ index: Int, _ fallback: Int) -> Int {
    arguments.count > index ? Int(arguments[index]) ?? fallback : fallback
}
let productCount = number(2, 100_000)
let days = number(3, 90)
let picksPerHour = number(4, 4000)
let denseHours = number(5, 0)
let runs = number(6, 20)

let now = Int64(Date().timeIntervalSince1970)
let currentHour = now - now % 3600
let firstHour = currentHour - Int64(days * 24) * 3600
let logger = Logger(label: "bench")

/// What differs between the two SQL dialects in building the data set.
struct Dialect: Sendable {
    /// A FROM item of the numbers 0..<count, as `alias.column`.
    var series: @Sendable (_ count: Int, _ alias: String, _ column: String) -> String
    /// A uniform random number in [0, 1).
    var random: String
    /// The sku of product number `expression`, a UUID in the column's type.
    var sku: @Sendable (_ expression: String) -> String

    static let sqlite = Dialect(
        series: { count, alias, column in
            "(WITH RECURSIVE r(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM r WHERE x + 1 < \(count)) SELECT x AS \(column) FROM r) AS \(alias)"
        },
        random: "((abs(random()) % 1000000000) / 1e9)",
        sku: { "'00000000-0000-4000-8000-' || substr('000000000000' || \($0), -12, 12)" }
    )

    static let postgres = Dialect(
        series: { count, alias, column in "generate_series(0, \(count) - 1) AS \(alias)(\(column))" },
        random: "random()",
        sku: { "('00000000-0000-4000-8000-' || lpad(\($0)::text, 12, '0'))::uuid" }
    )
}

/// The SQL that builds the data set.
func buildStatements(_ dialect: Dialect) -> [String] {
    [
        """
        INSERT INTO products (sku, name, brand, price_cents, currency, version, create_time, update_time)
        SELECT \(dialect.sku("s.i")), 'Product ' || s.i, 'Brand ' || (s.i % 50), 100, 'MXN', 1, 0, 0
        FROM \(dialect.series(productCount, "s", "i"))
        """,
        "INSERT INTO view_histories (sku, name, brand, views) SELECT sku, name, brand, 0 FROM products ORDER BY sku",
        """
        INSERT INTO view_buckets (history_id, bucket_start, views)
        SELECT id, bucket, count(*) FROM (
            SELECT 1 + CAST(floor(\(productCount) * power(\(dialect.random), 3)) AS bigint) AS id,
                \(firstHour) + (s.n / \(picksPerHour)) * 3600 AS bucket
            FROM \(dialect.series(days * 24 * picksPerHour, "s", "n"))
        ) picks WHERE true GROUP BY id, bucket
        ORDER BY bucket, id -- in the order of time, as hourly flushes write them
        ON CONFLICT (history_id, bucket_start) DO UPDATE SET views = view_buckets.views + excluded.views
        """,
        """
        INSERT INTO view_buckets (history_id, bucket_start, views)
        SELECT 1 + s.n % \(productCount), \(currentHour) - (1 + s.n / \(productCount)) * 3600, 1
        FROM \(dialect.series(denseHours * productCount, "s", "n")) WHERE true
        ON CONFLICT (history_id, bucket_start) DO UPDATE SET views = view_buckets.views + 1
        """,
        """
        UPDATE view_histories SET views = t.total
        FROM (SELECT history_id, sum(views) AS total FROM view_buckets GROUP BY history_id) t
        WHERE view_histories.id = t.history_id
        """,
        "ANALYZE",
    ]
}

func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = ContinuousClock.now
    let value = try await body()
    let elapsed = ContinuousClock.now - start
    return (value, Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
}

func report(_ name: String, _ samples: [Double]) {
    let sorted = samples.sorted()
    let median = sorted[sorted.count / 2]
    print(
        String(
            format: "%@: median %.1f ms, min %.1f, max %.1f (%d runs)",
            name,
            median,
            sorted[0],
            sorted.last!,
            sorted.count
        )
    )
}

func measure(_ store: any CatalogStore) async throws {
    let skus = (0..<productCount).map { UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", $0))! }
    var flushes: [Double] = []
    for _ in 0..<3 {
        let counts = Dictionary(uniqueKeysWithValues: skus.map { ($0, UInt64(1)) })
        let (totals, ms) = try await timed { try await store.addViews(counts, hour: currentHour) }
        precondition(totals.count == productCount, "every product flushed")
        flushes.append(ms)
    }
    report("flush of \(productCount) distinct products", flushes)

    let day = ReportWindow(start: currentHour - 23 * 3600, end: currentHour + 3600, granularity: .hour)
    var tops: [Double] = []
    for _ in 0..<runs {
        let (top, ms) = try await timed { try await store.topProducts(in: day, brand: nil, limit: 100) }
        precondition(top.count == min(100, productCount))
        tops.append(ms)
    }
    report("TopProducts(24h, limit 100)", tops)

    var brands: [Double] = []
    for _ in 0..<runs {
        let (views, ms) = try await timed { try await store.brandViews(in: day) }
        precondition(!views.isEmpty)
        brands.append(ms)
    }
    report("BrandViews(24h)", brands)

    var series: [Double] = []
    for _ in 0..<runs {
        let sku = skus.randomElement()!
        let (history, ms) = try await timed {
            try await store.viewBuckets(sku: sku, from: currentHour - 14 * 86_400, to: currentHour + 3600)
        }
        precondition(history != nil)
        series.append(ms)
    }
    report("ProductViewSeries(14 days, hourly)", series)
}

let (rows, build): (Int, Double)
switch arguments[0] {
case "sqlite":
    let path = arguments[1]
    try? FileManager.default.removeItem(atPath: path)
    try SQLiteStore(path: path).close()  // the schema
    let queue = try DatabaseQueue(path: path)
    let statements = buildStatements(.sqlite)
    (rows, build) = try await timed {
        try await queue.write { db in
            for statement in statements {
                try db.execute(sql: statement)
            }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM view_buckets") ?? 0
        }
    }
    try queue.close()
    print(String(format: "built %d buckets in %.0f s", rows, build / 1000))
    let store = try SQLiteStore(path: path)
    try await measure(store)
    try store.close()
case "postgres":
    let url = arguments[1]
    try await PostgresStore.withStore(url: try PostgresURL(url), logger: logger) { _ in }  // the schema
    (rows, build) = try await timed {
        // To time other queries on a data set built within the hour: its hours are still the last.
        if ProcessInfo.processInfo.environment["VIEW_REPORT_BENCH_REUSE"] != nil { return 0 }
        let script = buildStatements(.postgres)
            .map { $0 + ";" }.joined(separator: "\n")
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        // VACUUM as autovacuum would after a bulk load: index-only scans need the visibility map.
        psql.arguments = [
            url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "SET max_parallel_workers_per_gather = 2", "-c", script,
        ]
        try psql.run()
        psql.waitUntilExit()
        precondition(psql.terminationStatus == 0, "psql failed")
        return 0
    }
    print(String(format: "built the data set in %.0f s", build / 1000))
    var options = PostgresStore.Options()
    options.timeout = .seconds(600)
    try await PostgresStore.withStore(url: try PostgresURL(url), options: options, logger: logger) { store in
        try await measure(store)
    }
default:
    fatalError()
}
