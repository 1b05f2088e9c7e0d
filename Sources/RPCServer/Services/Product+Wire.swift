public import Codec
public import Domain
import Foundation
import SwiftProtobuf

extension Catalog_V1_Product {
    /// The wire form of a domain product.
    public init(_ product: Product) {
        self.init()
        self.sku = product.sku.canonicalText
        self.name = product.name
        self.brand = product.brand
        self.priceCents = product.priceCents
        self.currency = product.currency
        self.views = product.views
        self.version = product.version
        self.createTime = Google_Protobuf_Timestamp(date: product.createTime)
        self.updateTime = Google_Protobuf_Timestamp(date: product.updateTime)
    }
}

extension NewProduct {
    init(_ request: Catalog_V1_CreateProductRequest) {
        self.init(
            name: request.name,
            brand: request.brand,
            priceCents: request.priceCents,
            currency: request.currency,
            sku: request.sku,
            continueViewHistory: request.continueViewHistory
        )
    }
}

extension ProductChanges {
    init(_ request: Catalog_V1_UpdateProductRequest) {
        self.init(
            name: request.hasName ? request.name : nil,
            brand: request.hasBrand ? request.brand : nil,
            priceCents: request.hasPriceCents ? request.priceCents : nil,
            currency: request.hasCurrency ? request.currency : nil,
            expectedVersion: request.expectedVersion
        )
    }
}
