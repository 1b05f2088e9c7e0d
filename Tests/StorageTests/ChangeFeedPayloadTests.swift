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
        let admins = "\(self.other.canonicalText) admins"
        #expect(PostgresChangeFeed.change(from: product, skipping: self.me) == HeardChange(.product(self.sku)))
        #expect(PostgresChangeFeed.change(from: admins, skipping: self.me) == HeardChange(.admins))
        #expect(PostgresChangeFeed.change(from: product, skipping: self.other) == nil, "our own write")
        for unreadable in [
            "admins", "product \(self.sku)", "\(self.other) product", "\(self.other) flush \(self.sku)",
            "\(self.other) 1800000000000", "\(self.other) product 1800000000000", "\(self.other) admins x 1",
        ] {
            #expect(PostgresChangeFeed.change(from: unreadable, skipping: self.me) == nil)
        }
    }

    @Test func theAnnouncementTimeIsReadWhenTheWriterSentIt() {
        let announcedAt = Date(timeIntervalSince1970: 1_800_000_000.25)
        #expect(
            PostgresChangeFeed.change(
                from: "\(self.other.canonicalText) product \(self.sku.canonicalText) 1800000000250",
                skipping: self.me
            ) == HeardChange(.product(self.sku), announcedAt: announcedAt)
        )
        #expect(
            PostgresChangeFeed.change(from: "\(self.other.canonicalText) admins 1800000000250", skipping: self.me)
                == HeardChange(.admins, announcedAt: announcedAt)
        )
    }

    @Test func viewTotalsAreRead() {
        let second = UUID()
        let payload = "\(self.sku.canonicalText) 12,\(second.canonicalText) 3"
        #expect(PostgresChangeFeed.viewTotals(from: payload) == .viewTotals([self.sku: 12, second: 3]))
        #expect(PostgresChangeFeed.viewTotals(from: "\(self.sku.canonicalText) many") == nil)
        #expect(PostgresChangeFeed.viewTotals(from: "") == nil)
    }
}
