public import Foundation

/// Who makes a call: nobody in particular, or a signed-in admin.
public enum Caller: Sendable, Hashable {
    case anonymous
    case admin(AdminIdentity)

    /// The admin, or `nil` for an anonymous caller.
    public var admin: AdminIdentity? {
        if case .admin(let identity) = self { identity } else { nil }
    }
}

/// The admin behind a call, as the authenticator established it.
public struct AdminIdentity: Sendable, Hashable {
    public var id: UUID
    public var username: String

    public init(id: UUID, username: String) {
        self.id = id
        self.username = username
    }
}
