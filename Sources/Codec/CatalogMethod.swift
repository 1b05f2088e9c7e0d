/// The `method` strings of PROTOCOL.md section 7: `catalog.v1.<Service>/<Method>`.
public enum CatalogMethod {
    public static let listProducts = "catalog.v1.ProductService/ListProducts"
    public static let getProduct = "catalog.v1.ProductService/GetProduct"
    public static let createProduct = "catalog.v1.ProductService/CreateProduct"
    public static let updateProduct = "catalog.v1.ProductService/UpdateProduct"
    public static let deleteProduct = "catalog.v1.ProductService/DeleteProduct"
    public static let listAdmins = "catalog.v1.AdminService/ListAdmins"
    public static let getAdmin = "catalog.v1.AdminService/GetAdmin"
    public static let createAdmin = "catalog.v1.AdminService/CreateAdmin"
    public static let updateAdmin = "catalog.v1.AdminService/UpdateAdmin"
    public static let deleteAdmin = "catalog.v1.AdminService/DeleteAdmin"
    public static let login = "catalog.v1.AuthService/Login"
    public static let refresh = "catalog.v1.AuthService/Refresh"
    public static let logout = "catalog.v1.AuthService/Logout"
    public static let listNotifications = "catalog.v1.NotificationService/ListNotifications"
    public static let healthCheck = "catalog.v1.Health/Check"
    public static let topProducts = "catalog.v1.ReportService/TopProducts"
    public static let productViewSeries = "catalog.v1.ReportService/ProductViewSeries"
    public static let brandViews = "catalog.v1.ReportService/BrandViews"
}

/// Well-known metadata keys and values.
public enum CatalogMetadata {
    /// Carries `Bearer <access token>`; absent for anonymous callers.
    public static let authorization = "authorization"
    /// A W3C Trace Context `traceparent`; its trace id is logged with the call, nothing else.
    public static let traceparent = "traceparent"
}

/// The ALPN protocol id of PROTOCOL.md section 1.
public enum CatalogALPN {
    public static let protocolID = "catalog-rpc/1"
}
