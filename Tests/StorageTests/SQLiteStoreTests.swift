import Domain
import Foundation
import Storage
import TestSupport
import Testing

/// What only the SQLite store does; the rest is in the conformance suites.
@Suite struct SQLiteStoreTests {
    @Test func dataSurvivesReopening() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            let product = Fixtures.product()
            do {
                let store = try SQLiteStore(path: path)
                try await store.insertProduct(product, change: Fixtures.created(product), continueViewHistory: false)
                _ = try await store.addViews([product.sku: 4], hour: 0)
                try store.close()
            }
            let reopened = try SQLiteStore(path: path)
            #expect(try await reopened.product(sku: product.sku)?.views == 4)
            #expect(await reopened.isReachable())
            try reopened.close()
        }
    }

    @Test func aNewDatabaseFileIsReadableByItsOwnerOnly() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            let store = try SQLiteStore(path: path)
            try store.close()
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        }
    }

    @Test func commitsAreSyncedSoAnAnsweredWriteSurvivesAPowerLoss() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStore(path: directory + "/catalog.sqlite")
            #expect(try store.synchronousSetting() == 2, "synchronous=FULL")
            try store.close()
        }
    }
}
