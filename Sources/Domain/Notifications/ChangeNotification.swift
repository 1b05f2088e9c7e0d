public import Foundation

/// One email to one admin about one product change: a row of the outbox.
public struct ChangeNotification: Sendable, Hashable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, sent, failed
    }

    /// Stable across retries; the Message-ID is made from it, so a resend can be recognised.
    public var id: UUID
    public var recipient: String
    public var subject: String
    public var body: String
    public var status: Status
    public var attempts: Int
    /// Why the last attempt failed; empty when none did.
    public var lastError: String
    public var createTime: Date
    public var nextAttemptTime: Date
    public var sentTime: Date?

    public init(
        id: UUID,
        recipient: String,
        subject: String,
        body: String,
        status: Status,
        attempts: Int,
        lastError: String,
        createTime: Date,
        nextAttemptTime: Date,
        sentTime: Date?
    ) {
        self.id = id
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.createTime = createTime
        self.nextAttemptTime = nextAttemptTime
        self.sentTime = sentTime
    }
}

/// Where notifications wait for delivery. `Storage` implements it; rows are written by the
/// product writes themselves, in their transactions (see `ProductStore`).
public protocol NotificationStore: Sendable {
    /// Up to `limit` pending notifications due at `now`, each leased for `lease` so that no
    /// other worker takes it meanwhile; a worker that dies leaves it to be claimed again.
    func claimDueNotifications(now: Date, limit: Int, lease: TimeInterval) async throws -> [ChangeNotification]

    func markSent(_ id: UUID, at time: Date) async throws

    /// Records a failed attempt: retried at `retryAt`, or failed for good when it is `nil`.
    func markAttemptFailed(_ id: UUID, error: String, retryAt: Date?) async throws

    /// Gives claimed but unsent notifications back, as at shutdown.
    func releaseClaims(_ ids: [UUID]) async throws

    /// At a worker's start: makes claimable again what a worker that is gone (a crash)
    /// still held, so its emails need not wait for the lease to run out.
    func releaseClaimsOfDeadWorkers() async throws

    /// The notifications still pending: how many, and when the oldest was written (for the
    /// metrics; one aggregate query).
    func outboxBacklog() async throws -> OutboxBacklog

    /// Newest first, after `cursor` (from a previous page), optionally of one status.
    func listNotifications(
        status: ChangeNotification.Status?,
        after cursor: NotificationCursor?,
        limit: Int
    ) async throws
        -> [ChangeNotification]
}

/// The position of a notification in the newest-first order.
public struct NotificationCursor: Sendable, Hashable {
    public var createTime: Date
    public var id: UUID

    public init(createTime: Date, id: UUID) {
        self.createTime = createTime
        self.id = id
    }
}

/// The outbox's pending notifications, as the metrics show them.
public struct OutboxBacklog: Sendable, Equatable {
    public var pending: Int
    /// When the oldest pending notification was written; `nil` when none is pending.
    public var oldestCreateTime: Date?

    public init(pending: Int, oldestCreateTime: Date?) {
        self.pending = pending
        self.oldestCreateTime = oldestCreateTime
    }
}
