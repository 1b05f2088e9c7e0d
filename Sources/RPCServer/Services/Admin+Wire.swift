import Codec
import Domain
import SwiftProtobuf

extension Catalog_V1_Admin {
    /// The wire form of an admin: never the password hash.
    init(_ admin: Admin) {
        self.init()
        self.id = admin.id.canonicalText
        self.username = admin.username
        self.email = admin.email
        self.isSuperuser = admin.isSuperuser
        self.createTime = Google_Protobuf_Timestamp(date: admin.createTime)
        self.updateTime = Google_Protobuf_Timestamp(date: admin.updateTime)
    }
}

extension Catalog_V1_TokenPair {
    init(_ pair: TokenPair) {
        self.init()
        self.accessToken = pair.accessToken
        self.accessExpireTime = Google_Protobuf_Timestamp(date: pair.accessExpireTime)
        self.refreshToken = pair.refreshToken
        self.refreshExpireTime = Google_Protobuf_Timestamp(date: pair.refreshExpireTime)
    }
}
