import Storage
import Testing

@Suite struct PostgresURLTests {
    @Test func aFullURLIsRead() throws {
        let url = try PostgresURL("postgres://cat%40log:p%40ss@db.internal:6543/catalog?sslmode=verify-full")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.username == "cat@log")
        #expect(url.password == "p@ss")
        #expect(url.database == "catalog")
        #expect(url.sslMode == .verifyFull)
    }

    @Test func defaultsAreLibpqs() throws {
        let url = try PostgresURL("postgresql://catalog@localhost")
        #expect(url.port == 5432)
        #expect(url.database == "catalog", "the database defaults to the user name")
        #expect(url.password == nil)
        #expect(url.sslMode == .prefer)
    }

    @Test func theDescriptionNeverShowsThePassword() throws {
        let url = try PostgresURL("postgres://catalog:hunter2@localhost/catalog")
        #expect(!"\(url)".contains("hunter2"))
        #expect("\(url)" == "postgres://catalog:***@localhost:5432/catalog?sslmode=prefer")
    }

    @Test(arguments: [
        ("mysql://catalog@localhost/db", "must look like postgres://"),
        ("postgres:///db", "has no host"),
        ("postgres://localhost/db", "has no user name"),
        ("postgres://u:secret@localhost/db?sslmode=always", "sslmode must be one of"),
        ("postgres://u:secret@localhost/db?application_name=x", "unknown parameter application_name"),
    ])
    func badURLsAreRefusedWithTheReason(text: String, reason: String) {
        #expect {
            _ = try PostgresURL(text)
        } throws: { error in
            "\(error)".contains(reason) && !"\(error)".contains("secret")
        }
    }
}
