import Codec
public import Domain

extension MethodRegistry {
    /// Registers ProductService: reads for anyone, writes for admins.
    public mutating func registerProductService(_ catalog: ProductCatalog) {
        self.register(
            CatalogMethod.getProduct,
            .synchronous(
                reading: GetProductRequestFields.init(payload:),
                messageName: Catalog_V1_GetProductRequest.protoMessageName,
                access: .anyone
            ) { request, context in
                // The hot path: the sku parsed straight from the frame's bytes, answered on the
                // event loop from memory unless the cache is partial, with the product serialized
                // once per change, not once per read.
                let sku = try request.withSku { (bytes) throws(DomainError) in try ProductValidation.sku(utf8: bytes) }
                let lookup = try catalog.cachedSerializedProduct(sku: sku, caller: context.caller) { product in
                    try Catalog_V1_Product(product).serializedBytes()
                }
                switch lookup {
                case .found(let bytes):
                    return .completedSerialized(bytes)
                case .absent:
                    throw DomainError(.notFound, "product \(sku.canonicalText) not found")
                case .unknown:
                    return .pending {
                        Catalog_V1_Product(
                            try await catalog.product(
                                sku: sku,
                                caller: context.caller,
                                clientReads: context.connectionReads
                            )
                        )
                    }
                }
            }
        )
        self.register(
            CatalogMethod.listProducts,
            .asynchronous(Catalog_V1_ListProductsRequest.self, access: .anyone) { request, context in
                let page = try await catalog.listProducts(
                    pageSize: request.pageSize,
                    pageToken: request.pageToken,
                    brand: request.brand,
                    caller: context.caller,
                    clientReads: context.connectionReads
                )
                var response = Catalog_V1_ListProductsResponse()
                response.products = page.items.map(Catalog_V1_Product.init)
                response.nextPageToken = page.nextPageToken
                return response
            }
        )
        self.register(
            CatalogMethod.createProduct,
            .asynchronous(Catalog_V1_CreateProductRequest.self, access: .admin) { request, context in
                Catalog_V1_Product(try await catalog.createProduct(NewProduct(request), by: try context.admin()))
            }
        )
        self.register(
            CatalogMethod.updateProduct,
            .asynchronous(Catalog_V1_UpdateProductRequest.self, access: .admin) { request, context in
                let sku = try ProductValidation.sku(request.sku)
                let product = try await catalog.updateProduct(
                    sku: sku,
                    changes: ProductChanges(request),
                    by: try context.admin()
                )
                return Catalog_V1_Product(product)
            }
        )
        self.register(
            CatalogMethod.deleteProduct,
            .asynchronous(Catalog_V1_DeleteProductRequest.self, access: .admin) { request, context in
                let sku = try ProductValidation.sku(request.sku)
                try await catalog.deleteProduct(
                    sku: sku,
                    expectedVersion: request.expectedVersion,
                    by: try context.admin()
                )
                return Catalog_V1_DeleteProductResponse()
            }
        )
    }
}

extension CallContext {
    /// The calling admin. Access checks run before handlers, so this fails only if a
    /// method's access level is registered wrongly.
    func admin() throws(DomainError) -> AdminIdentity {
        guard let admin = self.caller.admin else {
            throw DomainError(.unauthenticated, "this method requires an admin's access token")
        }
        return admin
    }
}
