import NIOCore
import NIOHTTP2

/// The rules of PROTOCOL.md section 11 that decide a gRPC connection's life beside HTTP/2's own:
/// the frame timeout of a request message begun and not finished, the write timeout of
/// answers the peer does not take (a zero flow-control window, or a socket nobody reads), how
/// much of the peer's input is held (the flow-control credit given back), the keepalive
/// policy for the peer's PINGs, and when the connection must go: idle, too old, or draining past
/// its grace (a peer that never answers the drain's PING must not hold it). A plain value on the time its caller gives it (the event
/// loop's, virtual in tests); `GRPCConnectionHandler` feeds it events and carries out what it
/// returns. HTTP/2 itself (streams, HPACK, SETTINGS, GOAWAY) is swift-nio-http2's.
struct GRPCConnectionStateMachine {
    struct Limits {
        var frameTimeout: TimeAmount
        var writeTimeout: TimeAmount
        /// Bytes of request messages not yet whole that the connection holds before it stops
        /// giving the peer connection-level credit (the framing's one frame per connection).
        var maxBufferedBytes: Int
        /// The connection's flow-control window, as raised at the start; credit goes back in
        /// batches of half of it.
        var connectionWindow: Int
        /// Each stream's initial window (SETTINGS_INITIAL_WINDOW_SIZE); credit goes back in
        /// batches of half of it, while the stream is still sending.
        var streamWindow: Int
        /// A PING sooner than this after the last one is a strike (gRFC A8's
        /// `min_recv_ping_interval_without_data`); with no stream open, sooner than `idlePingInterval`.
        var minPingInterval: TimeAmount = .minutes(5)
        var idlePingInterval: TimeAmount = .hours(2)
        /// Strikes past this end the connection with GOAWAY ENHANCE_YOUR_CALM.
        var maxPingStrikes = 2
        /// With no stream open this long, the connection is asked to go (GOAWAY).
        var idleTimeout: TimeAmount = .seconds(300)
        /// A connection this old is asked to go, so that clients spread again over the daemons.
        var maxAge: TimeAmount = .hours(1)
        /// Once asked to go, the connection's calls get this long; then it is closed.
        var drainTimeout: TimeAmount = .seconds(10)
    }

    private struct Stream {
        /// When the bytes of a request message still incomplete began to arrive.
        var partialSince: NIODeadline?
        var bufferedBytes = 0
        /// When the answer's last frame was written: the stream closes once the peer's window
        /// lets it out. Until then the answer is held.
        var answeredAt: NIODeadline?
        /// Stream-level credit not yet given back.
        var owedCredit = 0
    }

    /// What the handler does when the timer it set for `nextDeadline` fires.
    struct TimerAction: Equatable {
        /// Streams whose message took longer than the frame timeout: answered RESOURCE_EXHAUSTED and reset.
        var resetStreams: [HTTP2StreamID] = []
        /// The peer took no answer for the write timeout, or the drain's grace is over: close
        /// the socket at once.
        var closeNow = false
        /// Idle or too old: ask the connection to go (GOAWAY, then the drain).
        var quiesce = false
    }

    let limits: Limits
    private var streams: [HTTP2StreamID: Stream] = [:]
    /// Streams with a message incomplete, and with an answer not yet out: the deadlines are
    /// looked for only while there are any.
    private var partialStreams = 0
    private var heldAnswers = 0
    private var bufferedBytes = 0
    private var owedConnectionCredit = 0
    private var unwritableSince: NIODeadline?
    private var lastPing: NIODeadline?
    private var pingStrikes = 0
    private let openedAt: NIODeadline
    /// Since when no stream is open; `nil` while one is.
    private var idleSince: NIODeadline?
    /// Set once the connection was asked to go: when it is closed whatever its calls.
    private var drainDeadline: NIODeadline?

    init(limits: Limits, now: NIODeadline) {
        self.limits = limits
        self.openedAt = now
        self.idleSince = now
    }

    // MARK: Streams

    mutating func opened(_ id: HTTP2StreamID) {
        self.streams[id] = Stream()
        self.idleSince = nil
    }

    /// Credit to give back: WINDOW_UPDATE on the stream, on the connection (the root stream).
    struct Credit: Equatable {
        var stream = 0
        var connection = 0
    }

    /// A DATA frame of `flowControlledBytes` arrived on `id` (open or not: the connection's
    /// window counts every one); `bufferedBytes` is what its stream now holds of a message not
    /// yet whole.
    /// - Parameter stillSending: whether the peer may send more on the stream (no END_STREAM,
    ///   not refused): only then is the stream's credit worth giving back.
    mutating func received(
        on id: HTTP2StreamID,
        flowControlledBytes: Int,
        bufferedBytes: Int,
        stillSending: Bool,
        now: NIODeadline
    ) -> Credit {
        var credit = Credit()
        if var stream = self.streams[id] {
            self.setBuffered(&stream, bufferedBytes, now: now)
            if stillSending {
                stream.owedCredit += flowControlledBytes
                if stream.owedCredit >= self.limits.streamWindow / 2 {
                    credit.stream = stream.owedCredit
                    stream.owedCredit = 0
                }
            }
            self.streams[id] = stream
        }
        self.owedConnectionCredit += flowControlledBytes
        credit.connection = self.connectionCreditDue()
        return credit
    }

    /// HEADERS or DATA went to the peer: what gRFC A8 (and grpc-go) count as data, after which
    /// the peer's pings are welcome again. (Clients ping as they receive data, to size their
    /// windows: grpcio's and grpc-go's BDP pings.)
    mutating func sentData() {
        self.pingStrikes = 0
    }

    /// The stream's answer is written through its last frame.
    mutating func answered(_ id: HTTP2StreamID, now: NIODeadline) {
        self.pingStrikes = 0
        guard var stream = self.streams[id], stream.answeredAt == nil else { return }
        stream.answeredAt = now
        self.heldAnswers += 1
        self.setBuffered(&stream, 0, now: now)
        self.streams[id] = stream
    }

    /// The stream closed (both sides ended, or reset).
    /// - Returns: connection credit that its held input had kept back.
    mutating func closed(_ id: HTTP2StreamID, now: NIODeadline) -> Credit {
        guard var stream = self.streams.removeValue(forKey: id) else { return Credit() }
        if self.streams.isEmpty {
            self.idleSince = now
        }
        if stream.answeredAt != nil {
            self.heldAnswers -= 1
        }
        self.setBuffered(&stream, 0, now: .uptimeNanoseconds(0))
        return Credit(connection: self.connectionCreditDue())
    }

    private mutating func setBuffered(_ stream: inout Stream, _ bytes: Int, now: NIODeadline) {
        self.bufferedBytes += bytes - stream.bufferedBytes
        if bytes > 0, stream.partialSince == nil {
            stream.partialSince = now
            self.partialStreams += 1
        } else if bytes == 0, stream.partialSince != nil {
            stream.partialSince = nil
            self.partialStreams -= 1
        }
        stream.bufferedBytes = bytes
    }

    /// Connection credit given back in batches, and not while the held input is over its bound:
    /// the peer then waits for messages to be handed on rather than the daemon buffering more.
    private mutating func connectionCreditDue() -> Int {
        guard self.bufferedBytes <= self.limits.maxBufferedBytes,
            self.owedConnectionCredit >= self.limits.connectionWindow / 2
        else { return 0 }
        defer { self.owedConnectionCredit = 0 }
        return self.owedConnectionCredit
    }

    // MARK: The peer

    /// The channel's writability changed (its unwritten bytes crossed a water mark).
    mutating func writabilityChanged(isWritable: Bool, now: NIODeadline) {
        if isWritable {
            self.unwritableSince = nil
        } else if self.unwritableSince == nil {
            self.unwritableSince = now
        }
    }

    /// The peer sent a PING (not an ack).
    /// - Returns: whether it is one too many: the connection ends with ENHANCE_YOUR_CALM.
    mutating func pingReceived(now: NIODeadline) -> Bool {
        defer { self.lastPing = now }
        guard let last = self.lastPing else { return false }
        let interval = self.streams.isEmpty ? self.limits.idlePingInterval : self.limits.minPingInterval
        if now - last < interval {
            self.pingStrikes += 1
        }
        return self.pingStrikes > self.limits.maxPingStrikes
    }

    /// The connection was asked to go (the server drains, or it is idle or too old): its calls
    /// get the drain timeout, then it is closed.
    mutating func drain(now: NIODeadline) {
        if self.drainDeadline == nil {
            self.drainDeadline = now + self.limits.drainTimeout
        }
    }

    // MARK: Time

    /// When the handler should next call `timerFired`; `nil` when nothing waits on time.
    func nextDeadline() -> NIODeadline? {
        var earliest = NIODeadline.earliest(
            self.unwritableSince.map { $0 + self.limits.writeTimeout },
            self.drainDeadline
                ?? NIODeadline.earliest(
                    self.openedAt + self.limits.maxAge,
                    self.idleSince.map { $0 + self.limits.idleTimeout }
                )
        )
        guard self.partialStreams > 0 || self.heldAnswers > 0 else { return earliest }
        for stream in self.streams.values {
            for deadline in [
                stream.partialSince.map { $0 + self.limits.frameTimeout },
                stream.answeredAt.map { $0 + self.limits.writeTimeout },
            ] {
                if let deadline, earliest.map({ deadline < $0 }) ?? true {
                    earliest = deadline
                }
            }
        }
        return earliest
    }

    /// The timer set for `nextDeadline` fired.
    mutating func timerFired(now: NIODeadline) -> TimerAction {
        var action = TimerAction()
        if let since = self.unwritableSince, since + self.limits.writeTimeout <= now {
            action.closeNow = true
            return action
        }
        if let deadline = self.drainDeadline {
            if deadline <= now {
                action.closeNow = true
                return action
            }
        } else if self.openedAt + self.limits.maxAge <= now
            || self.idleSince.map({ $0 + self.limits.idleTimeout <= now }) == true
        {
            action.quiesce = true
            self.drain(now: now)
        }
        guard self.partialStreams > 0 || self.heldAnswers > 0 else { return action }
        for (id, stream) in self.streams {
            if let answered = stream.answeredAt, answered + self.limits.writeTimeout <= now {
                action.closeNow = true
                return action
            }
            if let since = stream.partialSince, since + self.limits.frameTimeout <= now {
                action.resetStreams.append(id)
            }
        }
        action.resetStreams.sort()
        return action
    }
}
