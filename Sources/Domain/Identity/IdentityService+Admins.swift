public import Foundation

extension IdentityService {
    // MARK: AdminService (admins only; the RPC layer checks that the caller is one)

    public func listAdmins(pageSize: Int32, pageToken: String) async throws -> Page<Admin> {
        let size = try PageToken.pageSize(pageSize)
        let admins = try await self.store.listAdmins(after: try PageToken.decode(pageToken), limit: size + 1)
        return Page(fetched: admins, size: size) { PageToken.encode(after: $0.id) }
    }

    public func admin(id: UUID) async throws -> Admin {
        guard let admin = try await self.store.admin(id: id) else {
            throw Self.adminNotFound(id)
        }
        return admin
    }

    /// Creates an admin; never a superuser.
    public func createAdmin(_ input: NewAdmin, by actor: AdminIdentity) async throws -> Admin {
        try await self.create(input, isSuperuser: false)
    }

    /// Changes an admin. Superusers cannot be changed here; a new password ends the admin's tokens.
    /// Changing one's own password needs the current one, checked (and throttled) as a login
    /// is, so that a stolen access token cannot become a permanent takeover.
    /// - Parameter clientAddress: the caller's address as the login throttle keys it.
    public func updateAdmin(
        id: UUID,
        changes: AdminChanges,
        by actor: AdminIdentity,
        clientAddress: String? = nil
    ) async throws -> Admin {
        if changes.password != nil, id == actor.id {
            try await self.checkCurrentPassword(changes.currentPassword, of: actor, clientAddress: clientAddress)
        }
        var violations: [FieldViolation] = []
        let username = changes.username.map { AdminValidation.username($0, into: &violations) } ?? nil
        let email = changes.email.map { AdminValidation.email($0, into: &violations) } ?? nil
        if let password = changes.password {
            _ = AdminValidation.password(password, username: username ?? "", into: &violations)
        }
        guard violations.isEmpty else { throw DomainError.invalid(violations) }

        // Hashing is slow: it happens before the transaction, which only checks and writes.
        let passwordHash = try await changes.password.asyncMap { try await self.hasher.hash($0) }
        let now = self.configuration.now()
        let updated = try await self.store.updateAdmin(id: id) { current in
            guard !current.isSuperuser else {
                throw DomainError(.permissionDenied, "superusers are managed only on the server host")
            }
            var next = current
            next.username = username ?? current.username
            next.email = email ?? current.email
            if let password = changes.password, let passwordHash {
                guard password.lowercased() != next.username.lowercased() else {
                    throw DomainError.invalid([
                        FieldViolation(field: "password", description: "must not equal the username")
                    ])
                }
                next.passwordHash = passwordHash
                next.tokenVersion += 1
            }
            next.updateTime = now
            return next
        }
        self.state.setAdmin(updated)
        return updated
    }

    /// Deletes an admin and ends their tokens; neither oneself nor a superuser.
    public func deleteAdmin(id: UUID, by actor: AdminIdentity) async throws {
        guard id != actor.id else {
            throw DomainError(.failedPrecondition, "admins cannot delete their own account")
        }
        _ = try await self.store.deleteAdmin(id: id) { current in
            guard !current.isSuperuser else {
                throw DomainError(.permissionDenied, "superusers are managed only on the server host")
            }
        }
        self.state.removeAdmin(id)
    }

    // MARK: Host-side management (catalogd subcommands)

    public func createSuperuser(username: String, email: String, password: String) async throws -> Admin {
        try await self.create(NewAdmin(username: username, password: password, email: email), isSuperuser: true)
    }

    /// Sets any admin's password, superusers included, and ends their tokens.
    public func setPassword(username: String, password: String) async throws -> Admin {
        guard let admin = try await self.store.admin(username: username) else {
            throw DomainError(.notFound, "no admin named \(username)")
        }
        var violations: [FieldViolation] = []
        _ = AdminValidation.password(password, username: admin.username, into: &violations)
        guard violations.isEmpty else { throw DomainError.invalid(violations) }
        let hash = try await self.hasher.hash(password)
        let now = self.configuration.now()
        let updated = try await self.store.updateAdmin(id: admin.id) { current in
            var next = current
            next.passwordHash = hash
            next.tokenVersion += 1
            next.updateTime = now
            return next
        }
        self.state.setAdmin(updated)
        return updated
    }

    /// On a store with no admin at all, creates the superuser `admin` with a random
    /// password and returns that password; otherwise returns `nil`.
    public func createInitialSuperuserIfNoAdmins(email: String) async throws -> String? {
        guard try await self.store.listAdmins(after: nil, limit: 1).isEmpty else { return nil }
        let password = Self.randomPassword()
        do {
            _ = try await self.create(
                NewAdmin(username: Self.initialSuperuserName, password: password, email: email),
                isSuperuser: true
            )
        } catch let error as DomainError where error.code == .alreadyExists {
            // Another daemon on the same database, starting at the same time, made it.
            return nil
        }
        return password
    }

    // MARK: Helpers

    /// - Throws: `permissionDenied` unless `password` is `actor`'s current password.
    private func checkCurrentPassword(
        _ password: String?,
        of actor: AdminIdentity,
        clientAddress: String?
    ) async throws {
        guard let password, !password.isEmpty else {
            throw DomainError(.permissionDenied, "changing your own password needs current_password")
        }
        let current = try await self.checkPasswordThrottled(
            password,
            username: actor.username,
            clientAddress: clientAddress
        ) {
            try await self.store.admin(id: actor.id)
        }
        guard current != nil else {
            throw DomainError(.permissionDenied, "current_password is wrong")
        }
    }

    private func create(_ input: NewAdmin, isSuperuser: Bool) async throws -> Admin {
        var violations: [FieldViolation] = []
        let username = AdminValidation.username(input.username, into: &violations)
        let password = AdminValidation.password(input.password, username: input.username, into: &violations)
        let email = AdminValidation.email(input.email, into: &violations)
        guard violations.isEmpty, let username, let password, let email else {
            throw DomainError.invalid(violations)
        }
        if try await self.store.admin(username: username) != nil {
            // Checked first so a taken name costs no hashing; the store's unique key decides races.
            throw Self.usernameTaken(username)
        }
        let now = self.configuration.now()
        let admin = Admin(
            id: UUID(),
            username: username,
            email: email,
            isSuperuser: isSuperuser,
            passwordHash: try await self.hasher.hash(password),
            createTime: now,
            updateTime: now
        )
        try await self.store.insertAdmin(admin)
        self.state.setAdmin(admin)
        return admin
    }

    static func usernameTaken(_ username: String) -> DomainError {
        DomainError(.alreadyExists, "username \(username) is taken")
    }

    private static func adminNotFound(_ id: UUID) -> DomainError {
        DomainError(.notFound, "admin \(id.canonicalText) not found")
    }

    /// 24 characters from an alphabet without look-alikes: about 137 bits.
    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        // The alphabet is a non-empty literal, so randomElement always returns a character.
        return String((0..<24).map { _ in alphabet.randomElement(using: &generator)! })
    }
}

extension Optional {
    fileprivate func asyncMap<Mapped>(_ transform: (Wrapped) async throws -> Mapped) async rethrows -> Mapped? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
