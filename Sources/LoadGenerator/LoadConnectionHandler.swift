import Codec
import Foundation
import Histogram
import NIOCore
import Synchronization

/// One connection of a load run: sends calls as the plan says, matches answers by call id,
/// and records the latency of every measured call. Lives on its channel's event loop.
///
/// It reads the decrypted bytes itself and splits them into frames by their length prefixes
/// (one pass through the pipeline per read, not one per answer), reads the clock once per
/// read, and writes the requests of one read burst at once.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What one connection measured.
    struct Results: Sendable {
        var latencies = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var measuredCalls = 0
        /// Measured calls answered with an error, by status code.
        var errors: [Int: Int] = [:]
        /// Calls still unanswered when the run ended, or lost with the connection.
        var unanswered = 0
    }

    private let plan: LoadPlan
    /// Splits the bytes read into frames: inline, not a handler of its own.
    private let frames: FrameDecoder
    /// Set by `start`; nothing is sent or answered before.
    private var window: LoadWindow?
    private let index: Int
    /// Calls answered so far by every connection, for the progress line.
    private let answered: AnsweredCounter
    private let finished: EventLoopPromise<Results>

    private var context: ChannelHandlerContext?
    private var calls: ConnectionCalls
    /// The start of a frame that a read cut off.
    private var partialFrame: ByteBuffer?
    /// Open loop: how many calls of this connection's schedule were sent.
    private var scheduledSent = 0
    /// The requests written since the last flush, gathered into one buffer: one TLS record
    /// and one syscall for many calls, as the server does with its answers.
    private var outbound: ByteBuffer?
    private var isDone = false

    init(
        plan: LoadPlan,
        maxFrameSize: Int,
        index: Int,
        answered: AnsweredCounter,
        finished: EventLoopPromise<Results>
    ) {
        self.plan = plan
        self.frames = FrameDecoder(maxFrameSize: maxFrameSize)
        self.index = index
        self.answered = answered
        self.finished = finished
        self.calls = ConnectionCalls(plan: plan, index: index)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Begins sending in `window`; call on the event loop once the handshake is done.
    func start(_ window: LoadWindow) {
        self.window = window
        guard let context = self.context else { return }
        switch self.plan.shape {
        case .closedLoop(let inFlight):
            self.send(inFlight, scheduledAt: LoadPlan.now(), context: context)
            self.flushIfWritten(context: context)
        case .openLoop:
            // Sent by `tick`, which the event loop's `OpenLoopTicker` calls.
            break
        }
    }

    /// Open loop: sends the calls whose time has come. Called on the event loop.
    func tick() {
        guard let context = self.context, !self.isDone else { return }
        self.sendDueCalls(context: context)
        self.flushIfWritten(context: context)
        self.finishIfDone(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        if var partial = self.partialFrame.take() {
            partial.writeBuffer(&bytes)
            bytes = partial
        }
        guard let window = self.window else {
            // Nothing was sent yet: nothing can be answered.
            return
        }
        let now = LoadPlan.now()
        let read: (consumed: Int, answers: Int)
        do {
            read = try bytes.withUnsafeReadableBytes { (burst) throws(FrameTooLargeError) in
                try self.calls.answerFrames(in: burst, splitBy: self.frames, at: now, in: window)
            }
        } catch {
            // A frame over the limit: the server is not one to measure.
            self.errorCaught(context: context, error: error)
            return
        }
        bytes.moveReaderIndex(forwardBy: read.consumed)
        if bytes.readableBytes > 0 {
            self.partialFrame = bytes
        }
        // The closed loop sends a call per answer, those of a burst together. The open loop
        // sends at its next tick: sending here would split each tick's calls into more, smaller
        // writes (a TLS record and a syscall each, on both sides).
        if case .closedLoop = self.plan.shape, now < window.end {
            self.send(read.answers, scheduledAt: now, context: context)
        }
        self.answered.count.add(read.answers, ordering: .relaxed)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.flushIfWritten(context: context)
        self.finishIfDone(context: context)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.finish(context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Gives up on calls still in flight; called at the drain limit.
    func stop() {
        guard let context = self.context else { return }
        self.finish(context: context)
        context.close(promise: nil)
    }

    // MARK: Sending

    /// Adds `count` calls scheduled at `time` to the requests gathered for the next flush.
    private func send(_ count: Int, scheduledAt time: UInt64, context: ChannelHandlerContext) {
        guard count > 0 else { return }
        // Taken out while written: a second reference would make every write copy the buffer.
        var buffer = self.outbound.take() ?? context.channel.allocator.buffer(capacity: 16 * 1024)
        self.calls.write(count, scheduledAt: time, into: &buffer)
        self.outbound = buffer
    }

    /// Open loop: sends every call whose scheduled time has come, as far as `maxInFlight` allows.
    private func sendDueCalls(context: ChannelHandlerContext) {
        guard case .openLoop(_, let maxInFlight, _) = self.plan.shape, let window = self.window else {
            return
        }
        let now = LoadPlan.now()
        while self.calls.inFlightCount < maxInFlight, let scheduled = self.nextScheduledTime(in: window),
            scheduled <= now
        {
            self.scheduledSent += 1
            self.send(1, scheduledAt: scheduled, context: context)
        }
    }

    /// Open loop: when this connection's next call is due; `nil` once its whole schedule was sent.
    private func nextScheduledTime(in window: LoadWindow) -> UInt64? {
        guard case .openLoop(let callsPerSecond, _, _) = self.plan.shape else { return nil }
        let interval = 1e9 / (callsPerSecond / Double(self.plan.connections))
        // Connections are offset by a fraction of the interval, so their calls interleave.
        let offset = interval * Double(self.index) / Double(self.plan.connections)
        let scheduled = window.start + UInt64(offset + interval * Double(self.scheduledSent))
        return scheduled < window.end ? scheduled : nil
    }

    private func flushIfWritten(context: ChannelHandlerContext) {
        if let buffer = self.outbound {
            self.outbound = nil
            context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
        }
    }

    // MARK: Ending

    /// Done once the window is over and every call was answered; in the open loop, also sent:
    /// calls that came due just before the end leave with the next tick.
    private func finishIfDone(context: ChannelHandlerContext) {
        if let window = self.window, LoadPlan.now() >= window.end, self.calls.inFlightCount == 0,
            self.nextScheduledTime(in: window) == nil
        {
            self.finish(context: context)
            context.close(promise: nil)
        }
    }

    private func finish(context: ChannelHandlerContext) {
        guard !self.isDone else { return }
        self.isDone = true
        self.finished.succeed(self.calls.finalResults())
    }
}

/// Calls answered by all connections, read by the progress line while they run.
final class AnsweredCounter: Sendable {
    let count = Atomic<Int>(0)
}

@available(*, unavailable)
extension LoadConnectionHandler: Sendable {}
