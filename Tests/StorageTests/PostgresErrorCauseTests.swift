import Domain
import Logging
import Testing

@testable import Storage

/// Issue 28: an error a store turns into a `DomainError` keeps what it came from, for the logs,
/// while the caller's message names nothing of the database.
@Suite struct PostgresErrorCauseTests {
    @Test func aDatabaseNobodyServesIsUnavailableWithItsCause() async throws {
        var options = PostgresStore.Options()
        options.timeout = .seconds(2)
        let store = try PostgresStore(
            url: try PostgresURL("postgres://catalog@127.0.0.1:1/catalog?sslmode=disable"),
            options: options,
            logger: Logger(label: "test")
        )
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await store.client.run() }
            defer { group.cancelAll() }
            let error = await #expect(throws: DomainError.self) {
                _ = try await store.listProducts(after: nil, brand: nil, limit: 1)
            }
            #expect(error?.code == .unavailable)
            #expect(error?.cause != nil, "the connection's own error is kept")
            #expect(error?.message.contains("127.0.0.1") == false)
            #expect(error?.description.contains("cause:") == true, "and the logs show it")
        }
    }
}
