import Foundation

/// The opaque cursor of a listing: the last key of the previous page, encoded so clients
/// treat it as a token rather than a sku they could build themselves.
enum PageToken {
    private static let prefix = "v1:"

    static func encode(after key: UUID) -> String {
        Data((self.prefix + key.canonicalText).utf8).base64EncodedString()
    }

    /// The key a token names, `nil` for the empty token (the first page).
    static func decode(_ token: String) throws(DomainError) -> UUID? {
        guard !token.isEmpty else { return nil }
        guard let data = Data(base64Encoded: token),
            let text = String(data: data, encoding: .utf8),
            text.hasPrefix(self.prefix),
            let key = UUID(uuidString: String(text.dropFirst(self.prefix.count)))
        else {
            throw DomainError.invalid([
                FieldViolation(field: "page_token", description: "is not a token this server issued")
            ])
        }
        return key
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
}
