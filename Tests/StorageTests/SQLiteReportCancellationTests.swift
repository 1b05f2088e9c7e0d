import Domain
import Foundation
import GRDB
import Storage
import TestSupport
import Testing

/// On SQLite a report reads in the daemon's process: one whose call ends early (its deadline,
/// its connection closed) must stop reading, not scan on for nobody. GRDB interrupts a read
/// whose task is cancelled (`sqlite3_interrupt`).
@Suite struct SQLiteReportCancellationTests {
    @Test func aCancelledReportStopsInsteadOfScanningEverything() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            let store = try SQLiteStore(path: path)
            defer { try? store.close() }
            // 2,000,000 buckets: 50 products, about 4.5 years of hours each.
            let seeder = try DatabaseQueue(path: path)
            try await seeder.write { db in
                for index in 0..<50 {
                    try db.execute(
                        sql: "INSERT INTO view_histories (sku, name, brand, views) VALUES (?, ?, 'b', 40000)",
                        arguments: [UUID().uuidString.lowercased(), "p\(index)"]
                    )
                }
                try db.execute(
                    sql: """
                        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
                        INSERT INTO view_buckets (history_id, bucket_start, views)
                            SELECT h.id, n.i * 3600, 1 FROM view_histories h, n
                        """
                )
            }
            try seeder.close()
            let window = ReportWindow(start: 0, end: 40_001 * 3600, granularity: .hour)
            let started = ContinuousClock.now
            let whole = try await store.topProducts(in: window, brand: nil, limit: 10)
            let full = ContinuousClock.now - started
            #expect(whole.count == 10)

            // Cancelled a tenth of the way in (no event says a scan is under way: a wait it is),
            // it ends well before a whole report would.
            let report = Task { try await store.topProducts(in: window, brand: nil, limit: 10) }
            try await Task.sleep(for: full / 10)
            let cancelledAt = ContinuousClock.now
            report.cancel()
            let outcome = await report.result
            let afterCancel = ContinuousClock.now - cancelledAt
            #expect(throws: (any Error).self) { try outcome.get() }
            #expect(afterCancel < full / 2, "ended \(afterCancel) after its cancel; a whole report takes \(full)")
        }
    }
}
