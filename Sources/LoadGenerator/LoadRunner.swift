import Foundation
public import Histogram
public import NIOCore
import NIOPosix
public import RPCClient

/// Runs a load plan over its connections and gathers what they measured.
public enum LoadRunner {
    public struct Report: Sendable {
        public var plan: LoadPlan
        public var window: LoadWindow
        /// Nanoseconds.
        public var latencies: Histogram<UInt64>
        public var measuredCalls: Int
        /// Measured calls that failed, by status code.
        public var errors: [Int: Int]
        public var unanswered: Int
        /// CPU seconds this process used over the measured window.
        public var generatorCPUSeconds: Double?
        /// CPU seconds the server process (given by pid) used over the measured window.
        public var serverCPUSeconds: Double?

        public var callsPerSecond: Double { Double(self.measuredCalls) / self.window.measuredSeconds }

        /// CPU microseconds per measured call of `seconds`.
        public func microsecondsPerCall(_ seconds: Double?) -> Double? {
            guard let seconds, self.measuredCalls > 0 else { return nil }
            return seconds / Double(self.measuredCalls) * 1e6
        }
    }

    /// Connects every connection, then runs the plan's warm-up and measured load; `progress`
    /// is called about once a second with the answers per second since the last call. With
    /// `serverPID`, the report has the CPU that process used over the measured window.
    public static func run(
        _ plan: LoadPlan,
        configuration: ClientConfiguration,
        eventLoops: any EventLoopGroup,
        serverPID: Int32? = nil,
        progress: @escaping @Sendable (_ callsPerSecond: Double, _ elapsed: Duration) -> Void
    ) async throws -> Report {
        let answered = AnsweredCounter()
        var connections:
            [(
                channel: any Channel, handler: NIOLoopBound<LoadConnectionHandler>,
                done: EventLoopFuture<LoadConnectionHandler.Results>
            )] = []
        defer {
            for connection in connections {
                connection.channel.close(promise: nil)
            }
        }
        for index in 0..<plan.connections {
            let loop = eventLoops.next()
            let finished = loop.makePromise(of: LoadConnectionHandler.Results.self)
            let channel: any Channel
            let handler: NIOLoopBound<LoadConnectionHandler>
            do {
                // Made on its event loop, and reached from here only through it.
                channel = try await CatalogClient.connectChannel(
                    configuration,
                    eventLoopGroup: loop,
                    decodesFrames: false
                ) { pipeline in
                    try pipeline.addHandler(
                        LoadConnectionHandler(
                            plan: plan,
                            maxFrameSize: configuration.maxFrameSize,
                            index: index,
                            answered: answered,
                            finished: finished
                        )
                    )
                }
                handler = try await loop.submit {
                    NIOLoopBound(
                        try channel.pipeline.syncOperations.handler(type: LoadConnectionHandler.self),
                        eventLoop: loop
                    )
                }.get()
            } catch {
                // A handler that never joined a pipeline would leave its promise unfulfilled.
                finished.fail(error)
                throw error
            }
            connections.append((channel, handler, finished.futureResult))
        }

        let window = LoadWindow(startingNowFor: plan)
        for connection in connections {
            let handler = connection.handler
            connection.channel.eventLoop.execute { handler.value.start(window) }
        }
        let tickers = OpenLoopTicker.start(for: connections.map { ($0.channel.eventLoop, $0.handler) }, plan: plan)
        defer {
            for ticker in tickers {
                ticker.cancel()
            }
        }

        let reporter = Task {
            var last = 0
            var lastTime = LoadPlan.now()
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let now = LoadPlan.now()
                let count = answered.count.load(ordering: .relaxed)
                progress(Double(count - last) / (Double(now - lastTime) / 1e9), .nanoseconds(Int64(now - window.start)))
                (last, lastTime) = (count, now)
            }
        }
        defer { reporter.cancel() }
        // Calls never answered must not hold the run forever.
        let stoppers = connections.map { (loop: $0.channel.eventLoop, handler: $0.handler) }
        let giveUp = Task {
            try await Task.sleep(for: .nanoseconds(Int64(window.end - LoadPlan.now() + plan.drainLimit)))
            for stopper in stoppers {
                stopper.loop.execute { stopper.handler.value.stop() }
            }
        }
        defer { giveUp.cancel() }
        let cpu = Task { try await Self.cpuSeconds(over: window, serverPID: serverPID) }
        defer { cpu.cancel() }

        var report = Report(
            plan: plan,
            window: window,
            latencies: Histogram(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three),
            measuredCalls: 0,
            errors: [:],
            unanswered: 0
        )
        (report.generatorCPUSeconds, report.serverCPUSeconds) = try await cpu.value
        for connection in connections {
            let results = try await connection.done.get()
            report.latencies.add(results.latencies)
            report.measuredCalls += results.measuredCalls
            report.unanswered += results.unanswered
            report.errors.merge(results.errors, uniquingKeysWith: +)
        }
        return report
    }
}

extension LoadRunner {
    /// The CPU seconds this process and the server used between the window's measured start and end.
    fileprivate static func cpuSeconds(over window: LoadWindow, serverPID: Int32?) async throws -> (Double?, Double?) {
        func read() -> (Double?, Double?) {
            (ProcessCPUTime.seconds(pid: "self"), serverPID.flatMap { ProcessCPUTime.seconds(pid: "\($0)") })
        }
        func untilThen(_ time: UInt64) async throws {
            let now = LoadPlan.now()
            if time > now {
                try await Task.sleep(for: .nanoseconds(Int64(time - now)))
            }
        }
        try await untilThen(window.measureFrom)
        let start = read()
        try await untilThen(window.end)
        let end = read()
        func difference(_ start: Double?, _ end: Double?) -> Double? {
            guard let start, let end else { return nil }
            return end - start
        }
        return (difference(start.0, end.0), difference(start.1, end.1))
    }
}

extension Duration {
    public var nanoseconds: Int64 {
        let parts = self.components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}

/// Open loop: one timer per event loop sends the due calls of all its connections every tick.
/// A timer per connection would cost more than the calls at high rates, and its wake-ups
/// would add to the latencies being measured.
enum OpenLoopTicker {
    static func start(
        for connections: [(any EventLoop, NIOLoopBound<LoadConnectionHandler>)],
        plan: LoadPlan
    ) -> [RepeatedTask] {
        guard case .openLoop(_, _, let tick) = plan.shape else { return [] }
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, handlers: [NIOLoopBound<LoadConnectionHandler>])] = [:]
        for (loop, handler) in connections {
            byLoop[ObjectIdentifier(loop), default: (loop, [])].handlers.append(handler)
        }
        return byLoop.values.map { loop, handlers in
            loop.scheduleRepeatedTask(initialDelay: .zero, delay: .nanoseconds(tick.nanoseconds)) { _ in
                for handler in handlers {
                    handler.value.tick()
                }
            }
        }
    }
}
