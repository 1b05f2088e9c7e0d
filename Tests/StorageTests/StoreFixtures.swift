import Domain
import Foundation

/// Rows for store tests.
enum Fixtures {
    static let actor = AdminIdentity(id: UUID(), username: "tester")

    static func product(name: String = "Lamp", brand: String = "Acme", sku: UUID = UUID()) -> Product {
        let now = Timestamp.now()
        return Product(
            sku: sku,
            name: name,
            brand: brand,
            priceCents: 1999,
            currency: "MXN",
            createTime: now,
            updateTime: now
        )
    }

    static func admin(_ username: String, email: String? = nil, id: UUID = UUID()) -> Admin {
        let now = Timestamp.now()
        return Admin(
            id: id,
            username: username,
            email: email ?? "\(username.lowercased())@example.com",
            isSuperuser: false,
            passwordHash: "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
            createTime: now,
            updateTime: now
        )
    }

    static func created(_ product: Product, by actor: AdminIdentity = Self.actor) -> ProductChange {
        ProductChange(actor: actor, action: .created, sku: product.sku, name: product.name)
    }

    static func deleted(_ product: Product, by actor: AdminIdentity = Self.actor) -> ProductChange {
        ProductChange(actor: actor, action: .deleted, sku: product.sku, name: product.name)
    }

    /// An update that renames the product.
    static func rename(to name: String, by actor: AdminIdentity = Self.actor) -> @Sendable (Product) -> ProductUpdate {
        { current in
            var next = current
            next.name = name
            next.version += 1
            next.updateTime = Timestamp.now()
            return ProductUpdate(product: next, change: ProductChange.update(from: current, to: next, by: actor))
        }
    }

    static func token(
        for admin: Admin,
        family: UUID = UUID(),
        expiresIn seconds: TimeInterval = 3600
    )
        -> RefreshTokenRecord
    {
        let now = Timestamp.now()
        return RefreshTokenRecord(
            digest: UUID().uuidString,
            adminID: admin.id,
            familyID: family,
            tokenVersion: admin.tokenVersion,
            createTime: now,
            expireTime: Timestamp.fromMicroseconds(Timestamp.microseconds(now.addingTimeInterval(seconds)))
        )
    }
}
