import Logging
import Storage
import TestSupport
import Testing

/// `--database`: which store a URL names, and what is wrong with one that names none.
@Suite struct StoreLocationTests {
    @Test func noURLIsSQLiteInTheDataDirectory() throws {
        guard case .sqlite(let path) = try StoreLocation(databaseURL: nil, dataDir: "/var/lib/catalog") else {
            Issue.record("not SQLite")
            return
        }
        #expect(path == "/var/lib/catalog/catalog.sqlite")
    }

    @Test(arguments: [
        ("sqlite:/tmp/a.sqlite", "/tmp/a.sqlite"), ("sqlite:///tmp/b.sqlite", "/tmp/b.sqlite"), ("sqlite:c.db", "c.db"),
    ])
    func sqliteURLsNameTheirFile(url: String, expected: String) throws {
        guard case .sqlite(let path) = try StoreLocation(databaseURL: url, dataDir: ".") else {
            Issue.record("not SQLite")
            return
        }
        #expect(path == expected)
    }

    @Test func postgresURLsAreReadAsLibpqReadsThem() throws {
        let location = try StoreLocation(
            databaseURL: "postgresql://app:secret@db:5433/catalog?sslmode=require",
            dataDir: "."
        )
        guard case .postgres(let url) = location else {
            Issue.record("not PostgreSQL")
            return
        }
        #expect(url.host == "db")
        #expect(url.port == 5433)
        #expect(url.database == "catalog")
        #expect(url.sslMode == .require)
    }

    @Test(arguments: [
        ("mysql://db/catalog", "must start with sqlite: or postgres://"),
        ("sqlite:", "sqlite:PATH needs a path"),
        ("postgres://:secret@db/catalog", "has no user name"),
    ])
    func aURLThatNamesNoStoreSaysWhy(url: String, reason: String) {
        let error = #expect(throws: StoreLocationError.self) { try StoreLocation(databaseURL: url, dataDir: ".") }
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.contains("secret") == false, "the password is never repeated")
    }

    @Test func theStoreOpensAtItsLocationWithItsMigrations() async throws {
        try await withTemporaryDirectory { directory in
            let location = try StoreLocation(databaseURL: "sqlite:\(directory)/x.sqlite", dataDir: directory)
            let count = try await location.withStore(logger: .init(label: "test")) { opened in
                guard case .sqlite = opened else {
                    Issue.record("not SQLite")
                    return -1
                }
                return try await opened.store.listProducts(after: nil, brand: nil, limit: 10).count
            }
            #expect(count == 0)
        }
    }
}
