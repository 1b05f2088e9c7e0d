import Domain
import Foundation
import Testing

@testable import Storage

@Suite struct ChangeFeedPayloadTests {
    private let me = UUID()
    private let other = UUID()
    private let sku = UUID()

    @Test func anotherDaemonsChangesAreReadAndOurOwnSkipped() {
        let product = "\(self.other.canonicalText) product \(self.sku.canonicalText)"
        #expect(PostgresChangeFeed.change(from: product, skipping: self.me) == .product(self.sku))
        #expect(PostgresChangeFeed.change(from: "\(self.other.canonicalText) admins", skipping: self.me) == .admins)
        #expect(PostgresChangeFeed.change(from: product, skipping: self.other) == nil, "our own write")
        for unreadable in ["admins", "product \(self.sku)", "\(self.other) product", "\(self.other) flush \(self.sku)"]
        {
            #expect(PostgresChangeFeed.change(from: unreadable, skipping: self.me) == nil)
        }
    }

    @Test func viewTotalsAreRead() {
        let second = UUID()
        let payload = "\(self.sku.canonicalText) 12,\(second.canonicalText) 3"
        #expect(PostgresChangeFeed.viewTotals(from: payload) == .viewTotals([self.sku: 12, second: 3]))
        #expect(PostgresChangeFeed.viewTotals(from: "\(self.sku.canonicalText) many") == nil)
        #expect(PostgresChangeFeed.viewTotals(from: "") == nil)
    }
}
