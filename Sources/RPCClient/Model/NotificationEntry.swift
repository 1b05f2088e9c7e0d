import Codec
public import Foundation
import SwiftProtobuf

/// One email of the outbox, as ListNotifications returns it.
public struct NotificationEntry: Sendable, Hashable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, sent, failed
    }

    public var id: String
    public var recipient: String
    public var subject: String
    public var status: Status?
    public var attempts: UInt32
    public var lastError: String
    public var createTime: Date
    public var sentTime: Date?
    public var nextAttemptTime: Date?

    init(_ wire: Catalog_V1_Notification) {
        self.id = wire.id
        self.recipient = wire.recipient
        self.subject = wire.subject
        self.status =
            switch wire.status {
            case .pending: .pending
            case .sent: .sent
            case .failed: .failed
            default: nil
            }
        self.attempts = wire.attempts
        self.lastError = wire.lastError
        self.createTime = wire.createTime.date
        self.sentTime = wire.hasSentTime ? wire.sentTime.date : nil
        self.nextAttemptTime = wire.hasNextAttemptTime ? wire.nextAttemptTime.date : nil
    }
}

/// One page of notifications, newest first.
public struct NotificationPage: Sendable {
    public var notifications: [NotificationEntry]
    public var nextPageToken: String
    let wire: Catalog_V1_ListNotificationsResponse
}

extension NotificationPage: ProtoJSONConvertible {
    public func protoJSON() throws -> String {
        try ProtoJSON.render(
            self.wire,
            defaults: ["notifications": [Any](), "next_page_token": ""],
            nested: ["notifications": ["id": "", "recipient": "", "subject": "", "attempts": 0, "last_error": ""]]
        )
    }
}

extension CatalogClient {
    /// The outbox, newest first; `status` `nil` for every status (admins only).
    public func listNotifications(
        status: NotificationEntry.Status? = nil,
        pageSize: Int32 = 0,
        pageToken: String = "",
        timeout: Duration? = nil
    ) async throws -> NotificationPage {
        var request = Catalog_V1_ListNotificationsRequest()
        request.pageSize = pageSize
        request.pageToken = pageToken
        request.status =
            switch status {
            case .pending: .pending
            case .sent: .sent
            case .failed: .failed
            case nil: .unspecified
            }
        let response = try await self.call(
            CatalogMethod.listNotifications,
            request,
            returning: Catalog_V1_ListNotificationsResponse.self,
            timeout: timeout
        )
        return NotificationPage(
            notifications: response.notifications.map(NotificationEntry.init),
            nextPageToken: response.nextPageToken,
            wire: response
        )
    }
}
