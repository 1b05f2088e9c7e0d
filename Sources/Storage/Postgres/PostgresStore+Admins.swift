public import Domain
public import Foundation
import PostgresNIO

extension PostgresStore: AdminStore {
    private typealias AdminRow = (UUID, String, String, Bool, String, Int64, Int64, Int64)

    private static let selectAdmins = """
        SELECT id, username, email, is_superuser, password_hash, token_version, create_time, update_time FROM admins
        """

    public func loadAdmins() async throws -> [Admin] {
        try await self.run { client in
            try await Self.admins(client.query("\(unescaped: Self.selectAdmins)", logger: self.logger))
        }
    }

    public func admin(id: UUID) async throws -> Admin? {
        try await self.run { client in
            try await Self.admins(client.query("\(unescaped: Self.selectAdmins) WHERE id = \(id)", logger: self.logger))
                .first
        }
    }

    public func admin(username: String) async throws -> Admin? {
        try await self.run { client in
            try await Self.admins(
                client.query(
                    "\(unescaped: Self.selectAdmins) WHERE username_key = \(Admin.usernameKey(username))",
                    logger: self.logger
                )
            ).first
        }
    }

    public func listAdmins(after: UUID?, limit: Int) async throws -> [Admin] {
        try await self.run { client in
            try await Self.admins(
                client.query(
                    "\(unescaped: Self.selectAdmins) WHERE \(after)::uuid IS NULL OR id > \(after) ORDER BY id LIMIT \(limit)",
                    logger: self.logger
                )
            )
        }
    }

    public func insertAdmin(_ admin: Admin) async throws {
        do {
            try await self.transaction { connection in
                try await connection.query(
                    """
                    INSERT INTO admins (id, username, username_key, email, is_superuser, password_hash, token_version,
                        create_time, update_time)
                    VALUES (\(admin.id), \(admin.username), \(Admin.usernameKey(admin.username)), \(admin.email),
                        \(admin.isSuperuser), \(admin.passwordHash), \(admin.tokenVersion),
                        \(Timestamp.microseconds(admin.createTime)), \(Timestamp.microseconds(admin.updateTime)))
                    """,
                    logger: self.logger
                )
                try await self.announce(.admins, on: connection)
            }
        } catch  where PostgresErrors.isUniqueViolation(error) {
            throw DomainError(.alreadyExists, "username \(admin.username) is taken")
        }
    }

    public func updateAdmin(id: UUID, _ change: @escaping @Sendable (Admin) throws -> Admin) async throws -> Admin {
        do {
            return try await self.transaction { connection in
                let current = try await self.lockAdmin(id, on: connection)
                let updated = try change(current)
                try await connection.query(
                    """
                    UPDATE admins SET username = \(updated.username), username_key = \(Admin.usernameKey(updated.username)),
                        email = \(updated.email), is_superuser = \(updated.isSuperuser),
                        password_hash = \(updated.passwordHash), token_version = \(updated.tokenVersion),
                        update_time = \(Timestamp.microseconds(updated.updateTime))
                    WHERE id = \(id)
                    """,
                    logger: self.logger
                )
                try await self.announce(.admins, on: connection)
                return updated
            }
        } catch  where PostgresErrors.isUniqueViolation(error) {
            throw DomainError(.alreadyExists, "that username is taken")
        }
    }

    public func deleteAdmin(id: UUID, _ check: @escaping @Sendable (Admin) throws -> Void) async throws -> Admin {
        try await self.transaction { connection in
            let current = try await self.lockAdmin(id, on: connection)
            try check(current)
            try await connection.query("DELETE FROM admins WHERE id = \(id)", logger: self.logger)
            try await self.announce(.admins, on: connection)
            return current
        }
    }

    // MARK: Refresh tokens

    public func insertRefreshToken(_ token: RefreshTokenRecord) async throws {
        try await self.execute(Self.insert(token))
    }

    public func refreshTokenExists(digest: String) async throws -> Bool {
        try await self.run { client in
            let rows = try await client.query(
                "SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE digest = \(digest))",
                logger: self.logger
            )
            return try await rows.decode(Bool.self).first { _ in true } ?? false
        }
    }

    public func rotateRefreshToken(
        digest: String,
        replacementDigest: String,
        now: Date,
        expireTime: Date
    ) async throws -> RotationOutcome {
        try await self.transaction { connection in
            // Locking the token makes two rotations of it take turns: the second sees it revoked.
            let rows = try await connection.query(
                """
                SELECT r.admin_id, r.family_id, r.expire_time, r.revoke_time, r.token_version, a.token_version
                FROM refresh_tokens r JOIN admins a ON a.id = r.admin_id
                WHERE r.digest = \(digest) FOR UPDATE OF r
                """,
                logger: self.logger
            )
            let tokens = try await rows.decode((UUID, UUID, Int64, Int64?, Int64, Int64).self).array()
            guard let (adminID, familyID, expireMicros, revokeMicros, tokenVersion, currentVersion) = tokens.first
            else {
                return .invalid
            }
            let nowMicros = Timestamp.microseconds(now)
            if revokeMicros != nil {
                try await self.revokeFamily(familyID, on: connection, at: nowMicros)
                return .reused(adminID: adminID, familyID: familyID)
            }
            guard expireMicros > nowMicros, tokenVersion == currentVersion else {
                // Expired, or issued before a password change.
                return .invalid
            }
            try await connection.query(
                "UPDATE refresh_tokens SET revoke_time = \(nowMicros) WHERE digest = \(digest)",
                logger: self.logger
            )
            let replacement = RefreshTokenRecord(
                digest: replacementDigest,
                adminID: adminID,
                familyID: familyID,
                tokenVersion: currentVersion,
                createTime: now,
                expireTime: expireTime
            )
            try await connection.query(Self.insert(replacement), logger: self.logger)
            return .rotated(adminID: adminID, familyID: familyID, tokenVersion: currentVersion)
        }
    }

    public func revokeRefreshTokenFamily(
        digest: String,
        now: Date
    ) async throws -> (token: RefreshTokenRecord, wasActive: Bool)? {
        let revoked: (RefreshTokenRecord, Bool)? = try await self.transaction { connection in
            let rows = try await connection.query(
                """
                SELECT admin_id, family_id, token_version, create_time, expire_time, revoke_time
                FROM refresh_tokens WHERE digest = \(digest) FOR UPDATE
                """,
                logger: self.logger
            )
            let tokens = try await rows.decode((UUID, UUID, Int64, Int64, Int64, Int64?).self).array()
            guard let (adminID, familyID, tokenVersion, createMicros, expireMicros, revokeMicros) = tokens.first else {
                return nil
            }
            let nowMicros = Timestamp.microseconds(now)
            try await self.revokeFamily(familyID, on: connection, at: nowMicros)
            let token = RefreshTokenRecord(
                digest: digest,
                adminID: adminID,
                familyID: familyID,
                tokenVersion: tokenVersion,
                createTime: Timestamp.fromMicroseconds(createMicros),
                expireTime: Timestamp.fromMicroseconds(expireMicros)
            )
            return (token, revokeMicros == nil && expireMicros > nowMicros)
        }
        return revoked.map { (token: $0.0, wasActive: $0.1) }
    }

    public func revokedFamilies(since: Date) async throws -> [UUID] {
        try await self.run { client in
            let rows = try await client.query(
                """
                SELECT DISTINCT family_id FROM refresh_tokens r
                WHERE revoke_time >= \(Timestamp.microseconds(since)) AND NOT EXISTS (
                    SELECT 1 FROM refresh_tokens live WHERE live.family_id = r.family_id AND live.revoke_time IS NULL
                )
                """,
                logger: self.logger
            )
            return try await rows.decode(UUID.self).array()
        }
    }

    // MARK: Rows

    private static func insert(_ token: RefreshTokenRecord) -> PostgresQuery {
        """
        INSERT INTO refresh_tokens (digest, admin_id, family_id, token_version, create_time, expire_time)
        VALUES (\(token.digest), \(token.adminID), \(token.familyID), \(token.tokenVersion),
            \(Timestamp.microseconds(token.createTime)), \(Timestamp.microseconds(token.expireTime)))
        """
    }

    /// Revokes the family's live tokens and tells every daemon, whose access tokens of the
    /// family must stop working too.
    private func revokeFamily(_ familyID: UUID, on connection: PostgresConnection, at time: Int64) async throws {
        try await connection.query(
            "UPDATE refresh_tokens SET revoke_time = \(time) WHERE family_id = \(familyID) AND revoke_time IS NULL",
            logger: self.logger
        )
        try await self.announce(.admins, on: connection)
    }

    private func lockAdmin(_ id: UUID, on connection: PostgresConnection) async throws -> Admin {
        let rows = try await connection.query(
            "\(unescaped: Self.selectAdmins) WHERE id = \(id) FOR UPDATE",
            logger: self.logger
        )
        guard let admin = try await Self.admins(rows).first else {
            throw DomainError(.notFound, "admin \(id.canonicalText) not found")
        }
        return admin
    }

    private static func admins(_ rows: PostgresRowSequence) async throws -> [Admin] {
        var admins: [Admin] = []
        for try await row in rows.decode(AdminRow.self) {
            let (id, username, email, isSuperuser, passwordHash, tokenVersion, createTime, updateTime) = row
            admins.append(
                Admin(
                    id: id,
                    username: username,
                    email: email,
                    isSuperuser: isSuperuser,
                    passwordHash: passwordHash,
                    tokenVersion: tokenVersion,
                    createTime: Timestamp.fromMicroseconds(createTime),
                    updateTime: Timestamp.fromMicroseconds(updateTime)
                )
            )
        }
        return admins
    }
}
