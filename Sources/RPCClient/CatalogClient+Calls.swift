import Codec

extension CatalogClient {
    /// Health/Check: whether the server, or one of its services, serves.
    public func health(service: String = "", timeout: Duration? = nil) async throws -> ServingStatus {
        var request = Catalog_V1_HealthCheckRequest()
        request.service = service
        let response = try await self.call(
            CatalogMethod.healthCheck,
            request,
            returning: Catalog_V1_HealthCheckResponse.self,
            timeout: timeout
        )
        switch response.status {
        case .serving: return .serving
        case .notServing: return .notServing
        default: return .unknown
        }
    }

    /// One page of products ordered by sku; `pageSize` 0 lets the server choose (50).
    public func listProducts(
        pageSize: Int32 = 0,
        pageToken: String = "",
        brand: String = "",
        timeout: Duration? = nil
    ) async throws -> ProductPage {
        var request = Catalog_V1_ListProductsRequest()
        request.pageSize = pageSize
        request.pageToken = pageToken
        request.brand = brand
        let response = try await self.call(
            CatalogMethod.listProducts,
            request,
            returning: Catalog_V1_ListProductsResponse.self,
            timeout: timeout
        )
        return ProductPage(products: response.products.map(Product.init), nextPageToken: response.nextPageToken)
    }

    /// One product; anonymous calls count a view.
    public func getProduct(sku: String, timeout: Duration? = nil) async throws -> Product {
        var request = Catalog_V1_GetProductRequest()
        request.sku = sku
        return Product(
            try await self.call(CatalogMethod.getProduct, request, returning: Catalog_V1_Product.self, timeout: timeout)
        )
    }

    /// Creates a product (admins only). `currency` empty: the server's default.
    /// `continueViewHistory`: a product re-created with a deleted one's sku takes up its views.
    public func createProduct(
        name: String,
        brand: String,
        priceCents: Int64,
        currency: String = "",
        sku: String = "",
        continueViewHistory: Bool = false,
        timeout: Duration? = nil
    ) async throws -> Product {
        var request = Catalog_V1_CreateProductRequest()
        request.name = name
        request.brand = brand
        request.priceCents = priceCents
        request.currency = currency
        request.sku = sku
        request.continueViewHistory = continueViewHistory
        return Product(
            try await self.call(
                CatalogMethod.createProduct,
                request,
                returning: Catalog_V1_Product.self,
                timeout: timeout
            )
        )
    }

    /// Changes the given fields (admins only); `expectedVersion` non-zero guards against lost updates.
    public func updateProduct(
        sku: String,
        name: String? = nil,
        brand: String? = nil,
        priceCents: Int64? = nil,
        currency: String? = nil,
        expectedVersion: UInt64 = 0,
        timeout: Duration? = nil
    ) async throws -> Product {
        var request = Catalog_V1_UpdateProductRequest()
        request.sku = sku
        if let name { request.name = name }
        if let brand { request.brand = brand }
        if let priceCents { request.priceCents = priceCents }
        if let currency { request.currency = currency }
        request.expectedVersion = expectedVersion
        return Product(
            try await self.call(
                CatalogMethod.updateProduct,
                request,
                returning: Catalog_V1_Product.self,
                timeout: timeout
            )
        )
    }

    /// Deletes a product (admins only).
    public func deleteProduct(sku: String, expectedVersion: UInt64 = 0, timeout: Duration? = nil) async throws {
        var request = Catalog_V1_DeleteProductRequest()
        request.sku = sku
        request.expectedVersion = expectedVersion
        _ = try await self.call(
            CatalogMethod.deleteProduct,
            request,
            returning: Catalog_V1_DeleteProductResponse.self,
            timeout: timeout
        )
    }
}
