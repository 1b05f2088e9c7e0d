/// The `method` strings of PROTOCOL.md section 7: `catalog.v1.<Service>/<Method>`.
public enum CatalogMethod {
    public static let listProducts = "catalog.v1.ProductService/ListProducts"
    public static let getProduct = "catalog.v1.ProductService/GetProduct"
    public static let createProduct = "catalog.v1.ProductService/CreateProduct"
    public static let updateProduct = "catalog.v1.ProductService/UpdateProduct"
    public static let deleteProduct = "catalog.v1.ProductService/DeleteProduct"
    public static let healthCheck = "catalog.v1.Health/Check"
}

/// Well-known metadata keys and values.
public enum CatalogMetadata {
    /// Carries `Bearer <access token>`; absent for anonymous callers.
    public static let authorization = "authorization"
}

/// The ALPN protocol id of PROTOCOL.md section 1.
public enum CatalogALPN {
    public static let protocolID = "catalog-rpc/1"
}
