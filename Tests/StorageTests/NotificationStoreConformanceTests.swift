import Domain
import Foundation
import Storage
import TestSupport
import Testing

/// What every `NotificationStore` must do, and the outbox rows product writes leave,
/// run against SQLite and PostgreSQL alike.
@Suite struct NotificationStoreConformanceTests {
    /// Three admins: the actor, one with an email, one without.
    private func seedAdmins(_ store: any CatalogStore) async throws -> AdminIdentity {
        let actor = Fixtures.admin("actor")
        try await store.insertAdmin(actor)
        try await store.insertAdmin(Fixtures.admin("reader", email: "reader@example.com"))
        try await store.insertAdmin(Fixtures.admin("silent", email: ""))
        return AdminIdentity(id: actor.id, username: actor.username)
    }

    @Test(arguments: StoreKind.enabled)
    func eachWriteQueuesOneEmailPerOtherAdminWithAnEmail(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let actor = try await self.seedAdmins(store)
            let product = Fixtures.product(name: "Lamp")
            try await store.insertProduct(
                product,
                change: Fixtures.created(product, by: actor),
                continueViewHistory: false
            )
            _ = try await store.updateProduct(sku: product.sku, Fixtures.rename(to: "Desk", by: actor))
            // The delete is stamped with the time the catalog gives, not the store's clock.
            let deletedAt = Timestamp.truncated(Date(timeIntervalSince1970: 1_900_000_000.25))
            _ = try await store.deleteProduct(sku: product.sku, at: deletedAt) { Fixtures.deleted($0, by: actor) }
            let outbox = try await store.listNotifications(status: nil, after: nil, limit: 10)
            #expect(outbox.count == 3)
            #expect(outbox.first?.createTime == deletedAt, "newest first: the delete's, at its given time")
            // What the metrics show of it: three pending, the oldest the creation's.
            let backlog = try await store.outboxBacklog()
            #expect(backlog == OutboxBacklog(pending: 3, oldestCreateTime: outbox.map(\.createTime).min()))
            try await store.markSent(outbox[0].id, at: Date())
            try await store.markAttemptFailed(outbox[1].id, error: "down", retryAt: nil)
            #expect(
                try await store.outboxBacklog() == OutboxBacklog(pending: 1, oldestCreateTime: outbox[2].createTime)
            )
            #expect(outbox.allSatisfy { $0.recipient == "reader@example.com" && $0.status == .pending })
            #expect(outbox.map(\.subject).allSatisfy { $0.contains(product.sku.canonicalText) })
            #expect(outbox.contains { $0.body.contains("name: Lamp -> Desk") })
        }
    }

    @Test(arguments: StoreKind.enabled)
    func aRolledBackWriteQueuesNothing(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let actor = try await self.seedAdmins(store)
            let product = Fixtures.product()
            try await store.insertProduct(
                product,
                change: Fixtures.created(product, by: actor),
                continueViewHistory: false
            )
            await #expect(throws: DomainError.self) {
                _ = try await store.updateProduct(sku: product.sku) { _ -> ProductUpdate in
                    throw DomainError(.aborted, "stale")
                }
            }
            await #expect(throws: DomainError.self) {
                try await store.insertProduct(
                    product,
                    change: Fixtures.created(product, by: actor),
                    continueViewHistory: false
                )
            }
            #expect(try await store.listNotifications(status: nil, after: nil, limit: 10).count == 1)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func claimsAreLeasedAndFollowTheirOutcome(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let actor = try await self.seedAdmins(store)
            for index in 0..<3 {
                let product = Fixtures.product(name: "P\(index)")
                try await store.insertProduct(
                    product,
                    change: Fixtures.created(product, by: actor),
                    continueViewHistory: false
                )
            }
            let now = Timestamp.now().addingTimeInterval(1)
            let claimed = try await store.claimDueNotifications(now: now, limit: 2, lease: 60)
            #expect(claimed.count == 2)
            let rest = try await store.claimDueNotifications(now: now, limit: 10, lease: 60)
            #expect(rest.count == 1, "leased rows are not claimed again")
            #expect(Set(claimed.map(\.id)).isDisjoint(with: rest.map(\.id)))
            #expect(try await store.claimDueNotifications(now: now, limit: 10, lease: 60).isEmpty)
            // After the lease, unsettled rows are claimable again.
            #expect(
                try await store.claimDueNotifications(now: now.addingTimeInterval(61), limit: 10, lease: 60).count == 3
            )

            try await store.markSent(claimed[0].id, at: now)
            try await store.markAttemptFailed(claimed[1].id, error: "421 busy", retryAt: now.addingTimeInterval(30))
            try await store.markAttemptFailed(rest[0].id, error: "550 no such user", retryAt: nil)
            let later = now.addingTimeInterval(10)
            #expect(try await store.claimDueNotifications(now: later, limit: 10, lease: 60).isEmpty)
            let retried = try await store.claimDueNotifications(now: now.addingTimeInterval(31), limit: 10, lease: 60)
            #expect(retried.map(\.id) == [claimed[1].id])
            #expect(retried.first?.attempts == 1 && retried.first?.lastError == "421 busy")

            let sent = try await store.listNotifications(status: .sent, after: nil, limit: 10)
            #expect(sent.map(\.id) == [claimed[0].id])
            #expect(sent.first?.sentTime == now)
            let failed = try await store.listNotifications(status: .failed, after: nil, limit: 10)
            #expect(failed.map(\.id) == [rest[0].id])
            #expect(failed.first?.lastError == "550 no such user")
        }
    }

    @Test(arguments: StoreKind.enabled)
    func releasedClaimsAreClaimableAtOnce(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let actor = try await self.seedAdmins(store)
            let product = Fixtures.product()
            try await store.insertProduct(
                product,
                change: Fixtures.created(product, by: actor),
                continueViewHistory: false
            )
            let now = Timestamp.now().addingTimeInterval(1)
            let claimed = try await store.claimDueNotifications(now: now, limit: 10, lease: 60)
            try await store.releaseClaims(claimed.map(\.id))
            #expect(
                try await store.claimDueNotifications(now: now, limit: 10, lease: 60).map(\.id) == claimed.map(\.id)
            )
        }
    }

    @Test(arguments: StoreKind.enabled)
    func concurrentClaimersNeverShareARow(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let actor = try await self.seedAdmins(store)
            for index in 0..<40 {
                let product = Fixtures.product(name: "P\(index)")
                try await store.insertProduct(
                    product,
                    change: Fixtures.created(product, by: actor),
                    continueViewHistory: false
                )
            }
            let now = Timestamp.now().addingTimeInterval(1)
            // Four workers claiming small batches at once, as four daemons would.
            let claims = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var mine: [UUID] = []
                        while true {
                            let batch = try await store.claimDueNotifications(now: now, limit: 3, lease: 60)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claims.count == 40)
            #expect(Set(claims).count == 40)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func theOutboxIsPagedNewestFirst(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let actor = try await self.seedAdmins(store)
            for index in 0..<5 {
                let product = Fixtures.product(name: "P\(index)")
                try await store.insertProduct(
                    product,
                    change: Fixtures.created(product, by: actor),
                    continueViewHistory: false
                )
            }
            let all = try await store.listNotifications(status: nil, after: nil, limit: 10)
            #expect(all.count == 5)
            #expect(all == all.sorted { ($0.createTime, $0.id.canonicalText) > ($1.createTime, $1.id.canonicalText) })
            let first = try await store.listNotifications(status: nil, after: nil, limit: 2)
            let cursor = NotificationCursor(createTime: first[1].createTime, id: first[1].id)
            let second = try await store.listNotifications(status: .pending, after: cursor, limit: 2)
            #expect(first + second == Array(all.prefix(4)))
        }
    }
}
