public import Domain
public import Foundation
import PostgresNIO

extension PostgresStore: NotificationStore {
    private typealias NotificationRow = (UUID, String, String, String, String, Int, String, Int64, Int64, Int64?)

    private static let notificationColumns = """
        id, recipient, subject, body, status, attempts, last_error, create_time, next_attempt_time, sent_time
        """

    /// Writes one pending notification of `change` per admin with an email, the actor
    /// excepted, inside the caller's transaction: the outbox. One statement for all of them.
    func enqueueNotifications(of change: ProductChange, on connection: PostgresConnection, at time: Date) async throws {
        let micros = Timestamp.microseconds(time)
        try await connection.query(
            """
            INSERT INTO notifications (id, recipient, subject, body, status, attempts, last_error, create_time,
                next_attempt_time)
            SELECT gen_random_uuid(), email, \(change.subject), \(change.body), 'pending', 0, '', \(micros), \(micros)
            FROM admins WHERE email <> '' AND id <> \(change.actor.id)
            """,
            logger: self.logger
        )
    }

    /// Claims with `FOR UPDATE SKIP LOCKED`: workers of several daemons claiming at once each
    /// skip the rows another is claiming, so no row is handed to two of them. The lease then
    /// keeps the row from being claimed again while its email is sent.
    public func claimDueNotifications(now: Date, limit: Int, lease: TimeInterval) async throws -> [ChangeNotification] {
        let nowMicros = Timestamp.microseconds(now)
        let leaseEnd = Timestamp.microseconds(now.addingTimeInterval(lease))
        return try await self.run { client in
            try await Self.notifications(
                client.query(
                    """
                    UPDATE notifications SET claimed_until = \(leaseEnd)
                    WHERE id IN (
                        SELECT id FROM notifications
                        WHERE status = 'pending' AND next_attempt_time <= \(nowMicros)
                            AND (claimed_until IS NULL OR claimed_until <= \(nowMicros))
                        ORDER BY next_attempt_time LIMIT \(limit)
                        FOR UPDATE SKIP LOCKED
                    )
                    RETURNING \(unescaped: Self.notificationColumns)
                    """,
                    logger: self.logger
                )
            ).sorted { $0.nextAttemptTime < $1.nextAttemptTime }
        }
    }

    public func markSent(_ id: UUID, at time: Date) async throws {
        try await self.execute(
            """
            UPDATE notifications SET status = 'sent', attempts = attempts + 1, last_error = '',
                sent_time = \(Timestamp.microseconds(time)), claimed_until = NULL
            WHERE id = \(id)
            """
        )
    }

    public func markAttemptFailed(_ id: UUID, error: String, retryAt: Date?) async throws {
        let retryMicros = retryAt.map(Timestamp.microseconds)
        // Without a retry time the row fails for good and keeps its next attempt time.
        try await self.execute(
            """
            UPDATE notifications SET attempts = attempts + 1, last_error = \(error),
                status = CASE WHEN \(retryMicros)::bigint IS NULL THEN 'failed' ELSE status END,
                next_attempt_time = COALESCE(\(retryMicros)::bigint, next_attempt_time), claimed_until = NULL
            WHERE id = \(id)
            """
        )
    }

    public func releaseClaims(_ ids: [UUID]) async throws {
        try await self.execute("UPDATE notifications SET claimed_until = NULL WHERE id = ANY(\(ids)::uuid[])")
    }

    /// Nothing to do: other daemons' workers share the table, and a claim cannot tell a live
    /// worker from a dead one. A dead worker's claims become claimable when their lease ends.
    public func releaseClaimsOfDeadWorkers() async throws {}

    public func outboxBacklog() async throws -> OutboxBacklog {
        try await self.run { client in
            let rows = try await client.query(
                "SELECT count(*), min(create_time) FROM notifications WHERE status = 'pending'",
                logger: self.logger
            )
            for try await (count, oldest) in rows.decode((Int64, Int64?).self) {
                return OutboxBacklog(pending: Int(count), oldestCreateTime: oldest.map(Timestamp.fromMicroseconds))
            }
            return OutboxBacklog(pending: 0, oldestCreateTime: nil)
        }
    }

    public func listNotifications(
        status: ChangeNotification.Status?,
        after cursor: NotificationCursor?,
        limit: Int
    ) async throws -> [ChangeNotification] {
        let cursorMicros = cursor.map { Timestamp.microseconds($0.createTime) }
        let cursorID = cursor?.id
        return try await self.run { client in
            try await Self.notifications(
                client.query(
                    """
                    SELECT \(unescaped: Self.notificationColumns) FROM notifications
                    WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                        AND (\(cursorMicros)::bigint IS NULL OR (create_time, id) < (\(cursorMicros), \(cursorID)))
                    ORDER BY create_time DESC, id DESC LIMIT \(limit)
                    """,
                    logger: self.logger
                )
            )
        }
    }

    private static func notifications(_ rows: PostgresRowSequence) async throws -> [ChangeNotification] {
        var notifications: [ChangeNotification] = []
        for try await row in rows.decode(NotificationRow.self) {
            let (id, recipient, subject, body, statusText, attempts, lastError, createTime, nextAttempt, sentTime) = row
            guard let status = ChangeNotification.Status(rawValue: statusText) else {
                throw StorageError.corruptRow("notifications.status is \(statusText)")
            }
            notifications.append(
                ChangeNotification(
                    id: id,
                    recipient: recipient,
                    subject: subject,
                    body: body,
                    status: status,
                    attempts: attempts,
                    lastError: lastError,
                    createTime: Timestamp.fromMicroseconds(createTime),
                    nextAttemptTime: Timestamp.fromMicroseconds(nextAttempt),
                    sentTime: sentTime.map(Timestamp.fromMicroseconds)
                )
            )
        }
        return notifications
    }
}
