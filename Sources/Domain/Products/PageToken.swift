import Foundation

/// The opaque cursor of a listing: the last key of the previous page, encoded so clients
/// treat it as a token rather than a sku they could build themselves.
enum PageToken {
    private static let prefix = "v1:"

    static func encode(after key: UUID) -> String {
        self.encode(cursor: key.canonicalText)
    }

    /// The key a token names, `nil` for the empty token (the first page).
    static func decode(_ token: String) throws(DomainError) -> UUID? {
        guard let cursor = try self.decodeCursor(token) else { return nil }
        guard let key = UUID(uuidString: cursor) else { throw self.invalid }
        return key
    }

    static func encode(cursor: String) -> String {
        Data((self.prefix + cursor).utf8).base64EncodedString()
    }

    /// The cursor text a token carries, `nil` for the empty token.
    static func decodeCursor(_ token: String) throws(DomainError) -> String? {
        guard !token.isEmpty else { return nil }
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8),
            text.hasPrefix(self.prefix)
        else {
            throw self.invalid
        }
        return String(text.dropFirst(self.prefix.count))
    }

    private static var invalid: DomainError {
        DomainError.invalid([FieldViolation(field: "page_token", description: "is not a token this server issued")])
    }

    /// The page size asked for: 0 means `defaultSize`; above `maxSize` is refused.
    static func pageSize(_ requested: Int32, defaultSize: Int = 50, maxSize: Int = 1000) throws(DomainError) -> Int {
        switch requested {
        case 0: return defaultSize
        case 1...Int32(maxSize): return Int(requested)
        default:
            throw DomainError.invalid([
                FieldViolation(field: "page_size", description: "must be between 0 and \(maxSize)")
            ])
        }
    }
}

/// One page of a listing.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Empty on the last page.
    public var nextPageToken: String

    public init(items: [Item], nextPageToken: String) {
        self.items = items
        self.nextPageToken = nextPageToken
    }

    /// The page of a store read of up to `size + 1` items: the extra one tells that another
    /// page follows without a second query, and `token` makes that page's token from the last
    /// item kept.
    init(fetched: [Item], size: Int, token: (Item) -> String) {
        guard fetched.count > size else {
            self.init(items: fetched, nextPageToken: "")
            return
        }
        let items = Array(fetched.prefix(size))
        self.init(items: items, nextPageToken: token(items[size - 1]))
    }
}
