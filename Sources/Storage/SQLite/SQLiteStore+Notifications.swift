public import Domain
public import Foundation
import GRDB

extension SQLiteStore: NotificationStore {
    private static let selectNotifications = """
        SELECT id, recipient, subject, body, status, attempts, last_error, create_time, next_attempt_time, sent_time
        FROM notifications
        """

    /// Writes one pending notification of `change` per admin with an email, the actor
    /// excepted, inside the caller's transaction: the outbox.
    static func enqueueNotifications(of change: ProductChange, in db: Database, at time: Date) throws {
        let recipients = try String.fetchAll(
            db,
            sql: "SELECT email FROM admins WHERE email != '' AND id != ? ORDER BY id",
            arguments: [change.actor.id.canonicalText]
        )
        let micros = Timestamp.microseconds(time)
        for recipient in recipients {
            try db.execute(
                sql: """
                    INSERT INTO notifications (id, recipient, subject, body, status, attempts, last_error, create_time,
                        next_attempt_time)
                    VALUES (?, ?, ?, ?, 'pending', 0, '', ?, ?)
                    """,
                arguments: [UUID().canonicalText, recipient, change.subject, change.body, micros, micros]
            )
        }
    }

    public func claimDueNotifications(now: Date, limit: Int, lease: TimeInterval) async throws -> [ChangeNotification] {
        try await self.write { db in
            let nowMicros = Timestamp.microseconds(now)
            let due = try Row.fetchAll(
                db,
                sql: """
                    \(Self.selectNotifications)
                    WHERE status = 'pending' AND next_attempt_time <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
                    ORDER BY next_attempt_time LIMIT ?
                    """,
                arguments: [nowMicros, nowMicros, limit]
            ).map(Self.notification(from:))
            let leaseEnd = Timestamp.microseconds(now.addingTimeInterval(lease))
            for notification in due {
                try db.execute(
                    sql: "UPDATE notifications SET claimed_until = ? WHERE id = ?",
                    arguments: [leaseEnd, notification.id.canonicalText]
                )
            }
            return due
        }
    }

    public func markSent(_ id: UUID, at time: Date) async throws {
        try await self.write { db in
            try db.execute(
                sql: """
                    UPDATE notifications SET status = 'sent', attempts = attempts + 1, last_error = '', sent_time = ?,
                        claimed_until = NULL
                    WHERE id = ?
                    """,
                arguments: [Timestamp.microseconds(time), id.canonicalText]
            )
        }
    }

    public func markAttemptFailed(_ id: UUID, error: String, retryAt: Date?) async throws {
        try await self.write { db in
            if let retryAt {
                try db.execute(
                    sql: """
                        UPDATE notifications SET attempts = attempts + 1, last_error = ?, next_attempt_time = ?,
                            claimed_until = NULL
                        WHERE id = ?
                        """,
                    arguments: [error, Timestamp.microseconds(retryAt), id.canonicalText]
                )
            } else {
                try db.execute(
                    sql: """
                        UPDATE notifications SET status = 'failed', attempts = attempts + 1, last_error = ?,
                            claimed_until = NULL
                        WHERE id = ?
                        """,
                    arguments: [error, id.canonicalText]
                )
            }
        }
    }

    public func releaseClaims(_ ids: [UUID]) async throws {
        try await self.write { db in
            for id in ids {
                try db.execute(
                    sql: "UPDATE notifications SET claimed_until = NULL WHERE id = ?",
                    arguments: [id.canonicalText]
                )
            }
        }
    }

    /// One daemon owns a SQLite file, so at its start every claim is a dead worker's.
    public func releaseClaimsOfDeadWorkers() async throws {
        try await self.write { db in
            try db.execute(sql: "UPDATE notifications SET claimed_until = NULL WHERE claimed_until IS NOT NULL")
        }
    }

    public func outboxBacklog() async throws -> OutboxBacklog {
        try await self.read { db in
            let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT count(*) AS pending, min(create_time) AS oldest FROM notifications WHERE status = 'pending'"
            )
            let oldest: Int64? = row?["oldest"]
            return OutboxBacklog(
                pending: row?["pending"] ?? 0,
                oldestCreateTime: oldest.map(Timestamp.fromMicroseconds)
            )
        }
    }

    public func listNotifications(
        status: ChangeNotification.Status?,
        after cursor: NotificationCursor?,
        limit: Int
    ) async throws -> [ChangeNotification] {
        try await self.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let status {
                conditions.append("status = ?")
                arguments += [status.rawValue]
            }
            if let cursor {
                conditions.append("(create_time < ? OR (create_time = ? AND id < ?))")
                let micros = Timestamp.microseconds(cursor.createTime)
                arguments += [micros, micros, cursor.id.canonicalText]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments += [limit]
            return try Row.fetchAll(
                db,
                sql: "\(Self.selectNotifications) \(filter) ORDER BY create_time DESC, id DESC LIMIT ?",
                arguments: arguments
            ).map(Self.notification(from:))
        }
    }

    private static func notification(from row: Row) throws -> ChangeNotification {
        guard let id = UUID(uuidString: row["id"]), let status = ChangeNotification.Status(rawValue: row["status"])
        else {
            throw StorageError.corruptRow("notifications.id or status")
        }
        let sent: Int64? = row["sent_time"]
        return ChangeNotification(
            id: id,
            recipient: row["recipient"],
            subject: row["subject"],
            body: row["body"],
            status: status,
            attempts: row["attempts"],
            lastError: row["last_error"],
            createTime: Timestamp.fromMicroseconds(row["create_time"]),
            nextAttemptTime: Timestamp.fromMicroseconds(row["next_attempt_time"]),
            sentTime: sent.map(Timestamp.fromMicroseconds)
        )
    }
}
