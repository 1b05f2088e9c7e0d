import Codec
public import Domain
import SwiftProtobuf

extension MethodRegistry {
    /// Registers NotificationService: admin-only.
    public mutating func registerNotificationService(_ log: NotificationLog) {
        self.register(
            CatalogMethod.listNotifications,
            .asynchronous(Catalog_V1_ListNotificationsRequest.self, access: .admin) { request, _ in
                let status: ChangeNotification.Status? =
                    switch request.status {
                    case .pending: .pending
                    case .sent: .sent
                    case .failed: .failed
                    default: nil
                    }
                let page = try await log.list(pageSize: request.pageSize, pageToken: request.pageToken, status: status)
                var response = Catalog_V1_ListNotificationsResponse()
                response.notifications = page.items.map(Catalog_V1_Notification.init)
                response.nextPageToken = page.nextPageToken
                return response
            }
        )
    }
}

extension Catalog_V1_Notification {
    init(_ notification: ChangeNotification) {
        self.init()
        self.id = notification.id.canonicalText
        self.recipient = notification.recipient
        self.subject = notification.subject
        self.status =
            switch notification.status {
            case .pending: .pending
            case .sent: .sent
            case .failed: .failed
            }
        self.attempts = UInt32(clamping: notification.attempts)
        self.lastError = notification.lastError
        self.createTime = Google_Protobuf_Timestamp(date: notification.createTime)
        if let sent = notification.sentTime {
            self.sentTime = Google_Protobuf_Timestamp(date: sent)
        }
        if notification.status == .pending {
            self.nextAttemptTime = Google_Protobuf_Timestamp(date: notification.nextAttemptTime)
        }
    }
}
