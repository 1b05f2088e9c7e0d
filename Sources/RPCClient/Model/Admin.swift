import Codec
public import Foundation
import SwiftProtobuf

/// An admin as the server returns it; passwords are never part of it.
public struct Admin: Sendable, Hashable {
    public var id: String
    public var username: String
    public var email: String
    public var isSuperuser: Bool
    public var createTime: Date
    public var updateTime: Date

    init(_ wire: Catalog_V1_Admin) {
        self.id = wire.id
        self.username = wire.username
        self.email = wire.email
        self.isSuperuser = wire.isSuperuser
        self.createTime = wire.createTime.date
        self.updateTime = wire.updateTime.date
    }

    var wire: Catalog_V1_Admin {
        var wire = Catalog_V1_Admin()
        wire.id = self.id
        wire.username = self.username
        wire.email = self.email
        wire.isSuperuser = self.isSuperuser
        wire.createTime = Google_Protobuf_Timestamp(date: self.createTime)
        wire.updateTime = Google_Protobuf_Timestamp(date: self.updateTime)
        return wire
    }
}

/// One page of an admin listing.
public struct AdminPage: Sendable, Hashable {
    public var admins: [Admin]
    public var nextPageToken: String
}

/// The tokens of one login.
public struct TokenPair: Sendable, Hashable, Codable {
    public var accessToken: String
    public var accessExpireTime: Date
    public var refreshToken: String
    public var refreshExpireTime: Date

    public init(accessToken: String, accessExpireTime: Date, refreshToken: String, refreshExpireTime: Date) {
        self.accessToken = accessToken
        self.accessExpireTime = accessExpireTime
        self.refreshToken = refreshToken
        self.refreshExpireTime = refreshExpireTime
    }

    init(_ wire: Catalog_V1_TokenPair) {
        self.accessToken = wire.accessToken
        self.accessExpireTime = wire.accessExpireTime.date
        self.refreshToken = wire.refreshToken
        self.refreshExpireTime = wire.refreshExpireTime.date
    }
}

extension TokenPair: CustomStringConvertible {
    /// Never prints the tokens.
    public var description: String { "TokenPair(access until \(self.accessExpireTime))" }
}
