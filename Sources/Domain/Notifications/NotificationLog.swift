import Foundation

/// What operators see of the outbox: ListNotifications.
public struct NotificationLog: Sendable {
    private let store: any NotificationStore

    public init(store: any NotificationStore) {
        self.store = store
    }

    /// One page, newest first, optionally of one status.
    public func list(
        pageSize: Int32,
        pageToken: String,
        status: ChangeNotification.Status?
    ) async throws
        -> Page<ChangeNotification>
    {
        let size = try PageToken.pageSize(pageSize)
        let cursor = try PageToken.decodeCursor(pageToken).map(Self.parse)
        let items = try await self.store.listNotifications(status: status, after: cursor ?? nil, limit: size + 1)
        return Page(fetched: items, size: size) { last in
            PageToken.encode(cursor: "\(Timestamp.microseconds(last.createTime)):\(last.id.canonicalText)")
        }
    }

    private static func parse(_ cursor: String) throws -> NotificationCursor? {
        let parts = cursor.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            throw DomainError.invalid([
                FieldViolation(field: "page_token", description: "is not a token this server issued")
            ])
        }
        return NotificationCursor(createTime: Timestamp.fromMicroseconds(micros), id: id)
    }
}
