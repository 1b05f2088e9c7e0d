public import Foundation

/// The tokens of one login, as Login and Refresh return them.
public struct TokenPair: Sendable, Hashable {
    /// A signed JWT for the `authorization` metadata.
    public var accessToken: String
    public var accessExpireTime: Date
    /// Opaque; works once, for Refresh or Logout.
    public var refreshToken: String
    public var refreshExpireTime: Date

    public init(accessToken: String, accessExpireTime: Date, refreshToken: String, refreshExpireTime: Date) {
        self.accessToken = accessToken
        self.accessExpireTime = accessExpireTime
        self.refreshToken = refreshToken
        self.refreshExpireTime = refreshExpireTime
    }
}

extension TokenPair: CustomStringConvertible {
    /// Never prints the tokens.
    public var description: String {
        "TokenPair(access until \(self.accessExpireTime), refresh until \(self.refreshExpireTime))"
    }
}
