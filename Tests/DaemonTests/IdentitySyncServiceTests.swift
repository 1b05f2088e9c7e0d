import Credentials
import Domain
import Foundation
import Logging
import Storage
import Synchronization
import TestSupport
import Testing

@testable import Daemon

/// SQLite's admin re-reads while the store fails (here: a closed SQLite file): the waits back off
/// up to a minute instead of failing every interval, and the service ends when cancelled.
@Suite struct IdentitySyncServiceTests {
    @Test func reReadsBackOffWhileTheStoreFailsAndEndWhenCancelled() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStore(path: directory + "/catalog.sqlite")
            let identity = IdentityService(
                store: store,
                hasher: try await TestCredentials.hasher(),
                tokens: try await JWTTokenCodec(key: TestCredentials.tokenKey)
            )
            try store.close()
            let waits = Condition<[Duration]>([])
            let service = IdentitySyncService(
                identity: identity,
                interval: .seconds(2),
                sleep: { duration in
                    waits.update { $0.append(duration) }
                    // Eight waits on virtual time, then one as long as a real one would be.
                    if waits.value.count >= 8 {
                        try await Task.sleep(for: .seconds(3600))
                    }
                },
                logger: Logger(label: "test")
            )
            let running = Task { try await service.run() }
            try await withTimeout(.seconds(60), "eight re-reads") { await waits.wait { $0.count >= 8 } }
            #expect(waits.value == [2, 2, 4, 8, 16, 32, 60, 60].map { Duration.seconds($0) })
            running.cancel()
            try await withTimeout(.seconds(60), "the cancelled service to end") { try await running.value }
        }
    }
}
