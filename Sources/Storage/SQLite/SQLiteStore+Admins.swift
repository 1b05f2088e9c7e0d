public import Domain
public import Foundation
import GRDB

extension SQLiteStore: AdminStore {
    private static let selectAdmins = """
        SELECT id, username, email, is_superuser, password_hash, token_version, create_time, update_time FROM admins
        """

    public func loadAdmins() async throws -> [Admin] {
        try await self.read { db in
            try Row.fetchAll(db, sql: Self.selectAdmins).map(Self.admin(from:))
        }
    }

    public func admin(id: UUID) async throws -> Admin? {
        try await self.read { db in
            try Self.fetchAdmin(db, id: id)
        }
    }

    public func admin(username: String) async throws -> Admin? {
        try await self.read { db in
            try Row.fetchOne(
                db,
                sql: "\(Self.selectAdmins) WHERE username_key = ?",
                arguments: [Admin.usernameKey(username)]
            )
            .map(Self.admin(from:))
        }
    }

    public func listAdmins(after: UUID?, limit: Int) async throws -> [Admin] {
        try await self.read { db in
            try Row.fetchAll(
                db,
                sql: "\(Self.selectAdmins) WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [after?.canonicalText ?? "", limit]
            ).map(Self.admin(from:))
        }
    }

    public func insertAdmin(_ admin: Admin) async throws {
        do {
            try await self.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO admins (id, username, username_key, email, is_superuser, password_hash, token_version,
                            create_time, update_time)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StatementArguments(Self.columns(of: admin))
                )
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw DomainError(.alreadyExists, "username \(admin.username) is taken")
        }
    }

    public func updateAdmin(id: UUID, _ change: @escaping @Sendable (Admin) throws -> Admin) async throws -> Admin {
        do {
            return try await self.write { db in
                guard let current = try Self.fetchAdmin(db, id: id) else {
                    throw DomainError(.notFound, "admin \(id.canonicalText) not found")
                }
                let updated = try change(current)
                try db.execute(
                    sql: """
                        UPDATE admins SET username = ?, username_key = ?, email = ?, is_superuser = ?, password_hash = ?,
                            token_version = ?, create_time = ?, update_time = ?
                        WHERE id = ?
                        """,
                    arguments: StatementArguments(Array(Self.columns(of: updated).dropFirst()) + [id.canonicalText])
                )
                return updated
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw DomainError(.alreadyExists, "that username is taken")
        }
    }

    public func deleteAdmin(id: UUID, _ check: @escaping @Sendable (Admin) throws -> Void) async throws -> Admin {
        try await self.write { db in
            guard let current = try Self.fetchAdmin(db, id: id) else {
                throw DomainError(.notFound, "admin \(id.canonicalText) not found")
            }
            try check(current)
            try db.execute(sql: "DELETE FROM admins WHERE id = ?", arguments: [id.canonicalText])
            return current
        }
    }

    // MARK: Refresh tokens

    public func insertRefreshToken(_ token: RefreshTokenRecord) async throws {
        try await self.write { db in
            try Self.insert(token, into: db)
        }
    }

    public func refreshTokenExists(digest: String) async throws -> Bool {
        try await self.read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE digest = ?)",
                arguments: [digest]
            ) ?? false
        }
    }

    public func rotateRefreshToken(
        digest: String,
        replacementDigest: String,
        now: Date,
        expireTime: Date
    ) async throws -> RotationOutcome {
        try await self.write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT r.admin_id, r.family_id, r.expire_time, r.revoke_time, r.token_version,
                            a.token_version AS current_version
                        FROM refresh_tokens r JOIN admins a ON a.id = r.admin_id
                        WHERE r.digest = ?
                        """,
                    arguments: [digest]
                ),
                let adminID = UUID(uuidString: row["admin_id"]),
                let familyID = UUID(uuidString: row["family_id"])
            else {
                return .invalid
            }
            let nowMicros = Timestamp.microseconds(now)
            if row["revoke_time"] as Int64? != nil {
                try Self.revokeFamily(familyID, in: db, at: nowMicros)
                return .reused(adminID: adminID, familyID: familyID)
            }
            let currentVersion: Int64 = row["current_version"]
            guard (row["expire_time"] as Int64) > nowMicros, (row["token_version"] as Int64) == currentVersion else {
                // Expired, or issued before a password change.
                return .invalid
            }
            try db.execute(
                sql: "UPDATE refresh_tokens SET revoke_time = ? WHERE digest = ?",
                arguments: [nowMicros, digest]
            )
            try Self.insert(
                RefreshTokenRecord(
                    digest: replacementDigest,
                    adminID: adminID,
                    familyID: familyID,
                    tokenVersion: currentVersion,
                    createTime: now,
                    expireTime: expireTime
                ),
                into: db
            )
            return .rotated(adminID: adminID, familyID: familyID, tokenVersion: currentVersion)
        }
    }

    public func revokeRefreshTokenFamily(
        digest: String,
        now: Date
    ) async throws -> (token: RefreshTokenRecord, wasActive: Bool)? {
        try await self.write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT admin_id, family_id, token_version, create_time, expire_time, revoke_time
                        FROM refresh_tokens WHERE digest = ?
                        """,
                    arguments: [digest]
                ),
                let adminID = UUID(uuidString: row["admin_id"]),
                let familyID = UUID(uuidString: row["family_id"])
            else {
                return nil
            }
            let nowMicros = Timestamp.microseconds(now)
            let wasActive = (row["revoke_time"] as Int64?) == nil && (row["expire_time"] as Int64) > nowMicros
            try Self.revokeFamily(familyID, in: db, at: nowMicros)
            let token = RefreshTokenRecord(
                digest: digest,
                adminID: adminID,
                familyID: familyID,
                tokenVersion: row["token_version"],
                createTime: Timestamp.fromMicroseconds(row["create_time"]),
                expireTime: Timestamp.fromMicroseconds(row["expire_time"])
            )
            return (token, wasActive)
        }
    }

    public func revokedFamilies(since: Date) async throws -> [UUID] {
        try await self.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT family_id FROM refresh_tokens r
                    WHERE revoke_time >= ? AND NOT EXISTS (
                        SELECT 1 FROM refresh_tokens live WHERE live.family_id = r.family_id AND live.revoke_time IS NULL
                    )
                    """,
                arguments: [Timestamp.microseconds(since)]
            ).compactMap(UUID.init(uuidString:))
        }
    }

    // MARK: Rows

    private static func insert(_ token: RefreshTokenRecord, into db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO refresh_tokens (digest, admin_id, family_id, token_version, create_time, expire_time)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                token.digest, token.adminID.canonicalText, token.familyID.canonicalText, token.tokenVersion,
                Timestamp.microseconds(token.createTime), Timestamp.microseconds(token.expireTime),
            ]
        )
    }

    private static func revokeFamily(_ familyID: UUID, in db: Database, at time: Int64) throws {
        try db.execute(
            sql: "UPDATE refresh_tokens SET revoke_time = ? WHERE family_id = ? AND revoke_time IS NULL",
            arguments: [time, familyID.canonicalText]
        )
    }

    private static func fetchAdmin(_ db: Database, id: UUID) throws -> Admin? {
        try Row.fetchOne(db, sql: "\(self.selectAdmins) WHERE id = ?", arguments: [id.canonicalText]).map(
            self.admin(from:)
        )
    }

    /// The admins row of `admin`, in table order.
    private static func columns(of admin: Admin) -> [any DatabaseValueConvertible] {
        [
            admin.id.canonicalText, admin.username, Admin.usernameKey(admin.username), admin.email, admin.isSuperuser,
            admin.passwordHash, admin.tokenVersion, Timestamp.microseconds(admin.createTime),
            Timestamp.microseconds(admin.updateTime),
        ]
    }

    private static func admin(from row: Row) throws -> Admin {
        guard let id = UUID(uuidString: row["id"]) else {
            throw StorageError.corruptRow("admins.id is not a UUID")
        }
        return Admin(
            id: id,
            username: row["username"],
            email: row["email"],
            isSuperuser: row["is_superuser"],
            passwordHash: row["password_hash"],
            tokenVersion: row["token_version"],
            createTime: Timestamp.fromMicroseconds(row["create_time"]),
            updateTime: Timestamp.fromMicroseconds(row["update_time"])
        )
    }
}
