public import Domain

/// Everything the daemon keeps durably, in one database: SQLite or PostgreSQL.
public protocol CatalogStore: ProductStore, ViewReportStore, AdminStore, NotificationStore {}

extension SQLiteStore: CatalogStore {}
extension PostgresStore: CatalogStore {}
