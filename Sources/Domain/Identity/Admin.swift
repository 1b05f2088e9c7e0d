public import Foundation

/// An admin account as stored. `passwordHash` is an Argon2id PHC string and never leaves
/// the server; `tokenVersion` rises when the password changes, ending older access tokens.
public struct Admin: Sendable, Hashable {
    public var id: UUID
    /// 3...150 of letters, digits and `@.+-_`; unique case-insensitively.
    public var username: String
    /// Where notifications go; empty for none.
    public var email: String
    public var isSuperuser: Bool
    public var passwordHash: String
    public var tokenVersion: Int64
    public var createTime: Date
    public var updateTime: Date

    public init(
        id: UUID,
        username: String,
        email: String,
        isSuperuser: Bool,
        passwordHash: String,
        tokenVersion: Int64 = 1,
        createTime: Date,
        updateTime: Date
    ) {
        self.id = id
        self.username = username
        self.email = email
        self.isSuperuser = isSuperuser
        self.passwordHash = passwordHash
        self.tokenVersion = tokenVersion
        self.createTime = createTime
        self.updateTime = updateTime
    }

    /// The key usernames are unique by.
    public static func usernameKey(_ username: String) -> String { username.lowercased() }
}

extension Admin: CustomStringConvertible {
    /// Never prints the password hash.
    public var description: String { "Admin(\(self.id.canonicalText), \(self.username))" }
}
