import Foundation
import Synchronization

/// What decides, from memory, whether an access token still works: each admin's token
/// version, the login families revoked recently, and the claims of tokens already verified.
/// Every admin call reads it, so it is striped like the hot path's other state.
final class TokenState: Sendable {
    struct AdminEntry: Sendable, Hashable {
        var username: String
        var tokenVersion: Int64
    }

    private let admins = Striped<[UUID: AdminEntry]>(count: 16) { [:] }
    private let revokedFamilies = Striped<[UUID: Date]>(count: 16) { [:] }
    private let verified = Striped<[String: AccessClaims]>(count: 16) { [:] }
    /// Verified tokens kept per stripe; a full stripe starts over (tokens verify again).
    private let verifiedPerStripe = 1024
    /// Counts the changes that can end a token (an admin changed or gone, a family revoked):
    /// a check made at the same count still holds, apart from its expiry.
    private let changes = Atomic<UInt64>(0)

    /// The changes so far; read before a check, so that a change during it makes the next call check again.
    var generation: UInt64 { self.changes.load(ordering: .acquiring) }

    private func changed() {
        self.changes.wrappingAdd(1, ordering: .releasing)
    }

    func setAdmin(_ admin: Admin) {
        self.admins.withStripe(for: admin.id) {
            $0[admin.id] = AdminEntry(username: admin.username, tokenVersion: admin.tokenVersion)
        }
        self.changed()
    }

    /// Makes the admins exactly `admins`: changed ones updated, vanished ones removed.
    func replaceAdmins(_ admins: [Admin]) {
        var byStripe: [UUID: Admin] = [:]
        for admin in admins {
            byStripe[admin.id] = admin
        }
        self.admins.forEachStripe { entries in
            for id in entries.keys where byStripe[id] == nil {
                entries[id] = nil
            }
        }
        self.changed()
        for admin in admins {
            self.setAdmin(admin)
        }
    }

    func removeAdmin(_ id: UUID) {
        self.admins.withStripe(for: id) { $0[id] = nil }
        self.changed()
    }

    func admin(_ id: UUID) -> AdminEntry? {
        self.admins.withStripe(for: id) { $0[id] }
    }

    /// Remembers the revocation; a family revoked before keeps its first time, so that
    /// hearing of it again does not keep it from being pruned.
    func revokeFamily(_ family: UUID, at time: Date) {
        self.revokedFamilies.withStripe(for: family) { families in
            if families[family] == nil {
                families[family] = time
            }
        }
        self.changed()
    }

    func isRevoked(_ family: UUID) -> Bool {
        self.revokedFamilies.withStripe(for: family) { $0[family] != nil }
    }

    /// Forgets revocations older than any access token could be.
    func pruneRevocations(before cutoff: Date) {
        self.revokedFamilies.forEachStripe { families in
            families = families.filter { $0.value >= cutoff }
        }
    }

    func verifiedClaims(_ token: String) -> AccessClaims? {
        self.verified.withStripe(for: token) { $0[token] }
    }

    func rememberVerified(_ token: String, _ claims: AccessClaims) {
        self.verified.withStripe(for: token) { cache in
            if cache.count >= self.verifiedPerStripe {
                cache.removeAll(keepingCapacity: true)
            }
            cache[token] = claims
        }
    }
}
