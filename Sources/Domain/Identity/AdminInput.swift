/// What a caller asks to create, before validation.
public struct NewAdmin: Sendable {
    public var username: String
    public var password: String
    public var email: String

    public init(username: String, password: String, email: String) {
        self.username = username
        self.password = password
        self.email = email
    }
}

/// The changes a caller asks for; `nil` fields stay as they are.
public struct AdminChanges: Sendable {
    public var username: String?
    public var password: String?
    public var email: String?
    /// The caller's current password, which changing one's own password requires.
    public var currentPassword: String?

    public init(
        username: String? = nil,
        password: String? = nil,
        email: String? = nil,
        currentPassword: String? = nil
    ) {
        self.username = username
        self.password = password
        self.email = email
        self.currentPassword = currentPassword
    }
}
