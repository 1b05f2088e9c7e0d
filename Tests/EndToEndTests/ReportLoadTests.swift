import Codec
import Foundation
import RPCClient
import TestSupport
import Testing

/// Reports an admin can make the daemon run, on PostgreSQL with a year of buckets: an all-time
/// one is refused, and twenty slow ones at once are bounded and never make Health say the
/// database is down. (Before: windows from year 1 scanned everything, and each report past its
/// deadline counted as an unreachable database, so about twenty of them opened the breaker.)
@Suite(.enabled(if: PostgresTestDatabase.isEnabled, "needs PostgreSQL: run with make test"))
struct ReportLoadTests {
    @Test func yearLongReportsAreBoundedAndSlowOnesLeaveHealthServing() async throws {
        try await PostgresTestDatabase.withDatabase { url in
            try await withTemporaryDirectory { directory in
                // Long enough for Health's SELECT 1 on a busy machine; the reports wait on a lock.
                let daemon = try await DaemonProcess(
                    workingDirectory: directory,
                    arguments: ["--database", url, "--database-timeout", "2"]
                )
                // A year of hourly buckets of ten products, as a year of history holds.
                _ = try await PostgresTestDatabase.query(
                    url,
                    """
                    INSERT INTO view_histories (sku, name, brand, views)
                        SELECT gen_random_uuid(), 'p' || i, 'b', 8760 FROM generate_series(1, 10) i;
                    INSERT INTO view_buckets (history_id, bucket_start, views)
                        SELECT h.id, (extract(epoch FROM now())::bigint / 3600 - s) * 3600, 1
                        FROM view_histories h, generate_series(1, 8760) s;
                    """
                )
                try await CatalogClient.withClient(daemon.clientConfiguration()) { client in
                    let tokens = try await client.login(username: "admin", password: try daemon.initialPassword)
                    client.setAccessToken(tokens.accessToken)
                    let now = Date()
                    let yearAgo = now.addingTimeInterval(-366 * 86_400)
                    let allTime = await #expect(throws: RPCStatus.self) {
                        _ = try await client.topProducts(start: Date(timeIntervalSince1970: -62_135_596_800), end: now)
                    }
                    #expect(allTime?.code == .invalidArgument)
                    _ = try await client.topProducts(start: yearAgo, end: now)

                    // Every report now waits on a lock until its deadline: twenty at once.
                    let lock = try Self.holdLock(on: "view_buckets", url: url)
                    defer { lock.terminate() }
                    try await eventually("the lock to be held", limit: .seconds(60)) {
                        try await PostgresTestDatabase.query(
                            url,
                            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                                + "WHERE c.relname = 'view_buckets' AND l.mode = 'AccessExclusiveLock' AND l.granted"
                        ) == "1"
                    }
                    let notServing = Condition(0)
                    let refusedCalls = Condition<[String]>([])
                    let codes = try await withThrowingTaskGroup(of: RPCStatus?.self) { group in
                        for _ in 0..<20 {
                            group.addTask {
                                do {
                                    _ = try await client.topProducts(start: yearAgo, end: now)
                                    return nil
                                } catch let status as RPCStatus {
                                    return status
                                }
                            }
                        }
                        // Health meanwhile, as a load balancer asks it, and writes: neither may find
                        // the database "down".
                        let polling = Task {
                            // A call this task's own cancellation ended (the reports are done) is no finding.
                            while !Task.isCancelled {
                                let health = try? await client.health()
                                if health != .serving, !Task.isCancelled { notServing.update { $0 += 1 } }
                                do {
                                    _ = try await client.createProduct(name: "Lamp", brand: "Acme", priceCents: 1999)
                                } catch let status as RPCStatus where !Task.isCancelled {
                                    refusedCalls.update { $0.append("\(status)") }
                                } catch {}
                                try? await Task.sleep(for: .milliseconds(50))
                            }
                        }
                        defer { polling.cancel() }
                        var codes: [RPCStatus?] = []
                        for try await code in group {
                            codes.append(code)
                        }
                        return codes
                    }
                    // The lock's session ends (a killed psql would leave its backend asleep).
                    _ = try await PostgresTestDatabase.query(
                        url,
                        "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                            + "WHERE c.relname = 'view_buckets' AND l.mode = 'AccessExclusiveLock'"
                    )
                    #expect(codes.filter { $0?.code == .resourceExhausted }.count == 14, "\(codes)")
                    // Each of the six ran and waited out its own deadline: none was refused as if the
                    // database were down.
                    let slow = codes.filter { $0?.code == .unavailable }
                    #expect(slow.count == 6, "\(codes)")
                    #expect(slow.allSatisfy { $0?.message.contains("is unavailable") == false }, "\(slow)")
                    #expect(notServing.value == 0, "Health said NOT_SERVING while reports were slow")
                    #expect(refusedCalls.value.isEmpty, "other calls refused meanwhile: \(refusedCalls.value)")
                    #expect(try await client.health() == .serving)
                }
                #expect(try await daemon.terminate() == 0)
            }
        }
    }

    /// A psql session that takes `table`'s ACCESS EXCLUSIVE lock and holds it for a minute.
    private static func holdLock(on table: String, url: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [
            url, "-Xqc", "BEGIN; LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
