import Domain
import Foundation
import Storage
import TestSupport
import Testing

/// What every `AdminStore` must do, run against SQLite and PostgreSQL alike.
@Suite struct AdminStoreConformanceTests {
    @Test(arguments: StoreKind.enabled)
    func adminsRoundTripAndUsernamesMatchInAnyCase(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let admin = Fixtures.admin("Alice")
            try await store.insertAdmin(admin)
            #expect(try await store.admin(id: admin.id) == admin)
            #expect(try await store.admin(username: "aLICE") == admin)
            #expect(try await store.admin(username: "bob") == nil)
            #expect(try await store.admin(id: UUID()) == nil)
            #expect(try await store.loadAdmins() == [admin])
        }
    }

    @Test(arguments: StoreKind.enabled)
    func usernamesAreUniqueInAnyCase(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let alice = Fixtures.admin("alice")
            let bob = Fixtures.admin("bob")
            try await store.insertAdmin(alice)
            try await store.insertAdmin(bob)
            let inserted = await #expect(throws: DomainError.self) {
                try await store.insertAdmin(Fixtures.admin("ALICE"))
            }
            #expect(inserted?.code == .alreadyExists)
            let renamed = await #expect(throws: DomainError.self) {
                _ = try await store.updateAdmin(id: bob.id) { current in
                    var next = current
                    next.username = "Alice"
                    return next
                }
            }
            #expect(renamed?.code == .alreadyExists)
            #expect(try await store.admin(id: bob.id) == bob, "the refused rename wrote nothing")
            #expect(try await store.loadAdmins().count == 2)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func updateAndDeleteRunTheirChecksInTheTransaction(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let admin = Fixtures.admin("carol")
            try await store.insertAdmin(admin)
            let updated = try await store.updateAdmin(id: admin.id) { current in
                var next = current
                next.email = "new@example.com"
                next.tokenVersion += 1
                return next
            }
            #expect(try await store.admin(id: admin.id) == updated)
            let missing = await #expect(throws: DomainError.self) {
                _ = try await store.updateAdmin(id: UUID()) { $0 }
            }
            #expect(missing?.code == .notFound)
            await #expect(throws: DomainError.self) {
                _ = try await store.deleteAdmin(id: admin.id) { _ in throw DomainError(.permissionDenied, "no") }
            }
            #expect(try await store.admin(id: admin.id) == updated)
            #expect(try await store.deleteAdmin(id: admin.id) { _ in } == updated)
            #expect(try await store.admin(id: admin.id) == nil)
            let gone = await #expect(throws: DomainError.self) {
                _ = try await store.deleteAdmin(id: admin.id) { _ in }
            }
            #expect(gone?.code == .notFound)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func adminsArePagedById(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var admins: [Admin] = []
            for index in 0..<7 {
                let admin = Fixtures.admin("admin\(index)")
                try await store.insertAdmin(admin)
                admins.append(admin)
            }
            let sorted = admins.sorted { $0.id.canonicalText < $1.id.canonicalText }
            #expect(try await store.listAdmins(after: nil, limit: 3) == Array(sorted[0..<3]))
            #expect(try await store.listAdmins(after: sorted[2].id, limit: 3) == Array(sorted[3..<6]))
            #expect(try await store.listAdmins(after: sorted[5].id, limit: 3) == [sorted[6]])
        }
    }

    @Test(arguments: StoreKind.enabled)
    func aRotatedTokenPresentedAgainRevokesItsFamily(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let admin = Fixtures.admin("dave")
            try await store.insertAdmin(admin)
            let first = Fixtures.token(for: admin)
            try await store.insertRefreshToken(first)
            let now = Timestamp.now()
            let expiry = now.addingTimeInterval(3600)
            let rotated = try await store.rotateRefreshToken(
                digest: first.digest,
                replacementDigest: "second",
                now: now,
                expireTime: expiry
            )
            #expect(rotated == .rotated(adminID: admin.id, familyID: first.familyID, tokenVersion: admin.tokenVersion))
            #expect(
                try await store.revokedFamilies(since: now.addingTimeInterval(-1)).isEmpty,
                "a rotation leaves its family live"
            )
            let reused = try await store.rotateRefreshToken(
                digest: first.digest,
                replacementDigest: "third",
                now: now,
                expireTime: expiry
            )
            #expect(reused == .reused(adminID: admin.id, familyID: first.familyID))
            // The whole family is revoked now, the token rotated to included.
            let second = try await store.rotateRefreshToken(
                digest: "second",
                replacementDigest: "fourth",
                now: now,
                expireTime: expiry
            )
            #expect(second == .reused(adminID: admin.id, familyID: first.familyID))
            #expect(try await store.revokedFamilies(since: now.addingTimeInterval(-1)) == [first.familyID])
            let unknown = try await store.rotateRefreshToken(
                digest: "unknown",
                replacementDigest: "fifth",
                now: now,
                expireTime: expiry
            )
            #expect(unknown == .invalid)
            // Issued tokens exist whatever became of them (rotated, revoked); others never did.
            #expect(try await store.refreshTokenExists(digest: first.digest))
            #expect(try await store.refreshTokenExists(digest: "second"))
            #expect(try await !store.refreshTokenExists(digest: "unknown"))
        }
    }

    @Test(arguments: StoreKind.enabled)
    func expiredAndOutdatedTokensAreInvalid(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let admin = Fixtures.admin("erin")
            try await store.insertAdmin(admin)
            let expired = Fixtures.token(for: admin, expiresIn: -1)
            let outdated = Fixtures.token(for: admin)
            try await store.insertRefreshToken(expired)
            try await store.insertRefreshToken(outdated)
            _ = try await store.updateAdmin(id: admin.id) { current in
                var next = current
                next.tokenVersion += 1
                return next
            }
            let now = Timestamp.now()
            for token in [expired, outdated] {
                let outcome = try await store.rotateRefreshToken(
                    digest: token.digest,
                    replacementDigest: UUID().uuidString,
                    now: now,
                    expireTime: now.addingTimeInterval(60)
                )
                #expect(outcome == .invalid)
            }
        }
    }

    @Test(arguments: StoreKind.enabled)
    func revokingAFamilyTellsWhetherTheTokenWasActive(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let admin = Fixtures.admin("frank")
            try await store.insertAdmin(admin)
            let token = Fixtures.token(for: admin)
            try await store.insertRefreshToken(token)
            let now = Timestamp.now()
            let first = try await store.revokeRefreshTokenFamily(digest: token.digest, now: now)
            #expect(first?.token == token)
            #expect(first?.wasActive == true)
            #expect(try await store.revokedFamilies(since: now.addingTimeInterval(-1)) == [token.familyID])
            let second = try await store.revokeRefreshTokenFamily(digest: token.digest, now: now)
            #expect(second?.wasActive == false)
            #expect(try await store.revokeRefreshTokenFamily(digest: "unknown", now: now) == nil)
        }
    }

    @Test(arguments: StoreKind.enabled)
    func deletingAnAdminDeletesTheirTokens(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let admin = Fixtures.admin("gina")
            try await store.insertAdmin(admin)
            let token = Fixtures.token(for: admin)
            try await store.insertRefreshToken(token)
            _ = try await store.deleteAdmin(id: admin.id) { _ in }
            #expect(try await store.revokeRefreshTokenFamily(digest: token.digest, now: Timestamp.now()) == nil)
        }
    }
}
