import NIOCore

/// A connection handler's one timer, set for its state machine's next deadline: a timer already
/// set for that time or earlier is kept (when it fires, the machine names the next one), a later
/// one is replaced. Both wire handlers keep one.
struct ConnectionTimer {
    private var scheduled: (deadline: NIODeadline, task: Scheduled<Void>)?

    /// The deadline to schedule a timer for, when `deadline` needs one: none is set, or the one
    /// set fires later. Asked first, so that a handler makes its callback only when it is needed.
    func needsTimer(at deadline: NIODeadline?) -> NIODeadline? {
        guard let deadline else { return nil }
        if let scheduled = self.scheduled, scheduled.deadline <= deadline { return nil }
        return deadline
    }

    /// Runs `fire` on `eventLoop` at `deadline`, in place of the timer set before.
    mutating func schedule(at deadline: NIODeadline, on eventLoop: any EventLoop, _ fire: @escaping () -> Void) {
        self.scheduled?.task.cancel()
        let loopBound = NIOLoopBound(fire, eventLoop: eventLoop)
        self.scheduled = (deadline, eventLoop.scheduleTask(deadline: deadline) { loopBound.value() })
    }

    /// The timer fired: the next deadline needs a new one.
    mutating func fired() {
        self.scheduled = nil
    }

    mutating func cancel() {
        self.scheduled?.task.cancel()
        self.scheduled = nil
    }
}

extension NIODeadline {
    /// The earlier of two deadlines, either of which may be absent.
    static func earliest(_ first: NIODeadline?, _ second: NIODeadline?) -> NIODeadline? {
        switch (first, second) {
        case (let first?, let second?): Swift.min(first, second)
        case (let first?, nil): first
        case (nil, let second): second
        }
    }
}
