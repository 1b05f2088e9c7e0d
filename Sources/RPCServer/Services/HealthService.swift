import Codec
import Synchronization

/// Whether the server serves: the store answers and the server is not draining.
/// Updated by the server's probe loop and at shutdown; read without I/O by Health/Check, and
/// followed by gRPC's Health/Watch (`changes()`).
public final class ServingState: Sendable {
    private struct State {
        var storeReachable = true
        var draining = false
        /// The streams of `changes()` still followed, by a number of their own.
        var watchers: [UInt64: AsyncStream<Bool>.Continuation] = [:]
        var nextWatcher: UInt64 = 0

        var isServing: Bool { self.storeReachable && !self.draining }
    }

    private let state = Mutex(State())

    public init() {}

    public var isServing: Bool {
        self.state.withLock { $0.isServing }
    }

    /// Whether the drain has begun: new calls are no longer wanted.
    public var isDraining: Bool {
        self.state.withLock { $0.draining }
    }

    /// Whether serving is now, then at each change: `false` once the drain starts, which is the
    /// last element (the stream ends there, so a gRPC Watch does not hold the drain).
    func changes() -> AsyncStream<Bool> {
        let (stream, continuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
        let id: UInt64? = self.state.withLock { state in
            continuation.yield(state.isServing)
            guard !state.draining else { return nil }
            let id = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    func setStoreReachable(_ reachable: Bool) {
        self.update { $0.storeReachable = reachable }
    }

    func startDraining() {
        self.update { $0.draining = true }
    }

    /// Applies `change`; tells the watchers when serving changed, and ends them at the drain.
    /// Yields under the lock, so that watchers see the changes in their order (a yield never
    /// blocks); ends them after it, as ending one runs its `onTermination`, which takes the lock.
    private func update(_ change: (inout State) -> Void) {
        let ended = self.state.withLock { state in
            let before = state.isServing
            change(&state)
            if before != state.isServing {
                for watcher in state.watchers.values {
                    watcher.yield(state.isServing)
                }
            }
            guard state.draining else { return [AsyncStream<Bool>.Continuation]() }
            defer { state.watchers = [:] }
            return Array(state.watchers.values)
        }
        for watcher in ended {
            watcher.finish()
        }
    }
}

extension MethodRegistry {
    /// The services Health/Check knows by name; the empty name is the whole server.
    static let checkableServices: Set<String> = ["", "catalog.v1.ProductService", "catalog.v1.Health"]

    /// The services of the methods registered, by their full names (`catalog.v1.ProductService`).
    var serviceNames: Set<String> {
        Set(self.methodNames.compactMap { $0.split(separator: "/").first.map(String.init) })
    }

    /// Registers Health: answered on the event loop from `state`, with no I/O.
    public mutating func registerHealthService(_ state: ServingState) {
        self.register(
            CatalogMethod.healthCheck,
            .synchronous(Catalog_V1_HealthCheckRequest.self, access: .anyone) { request, _ in
                guard Self.checkableServices.contains(request.service) else {
                    throw RPCStatus(.notFound, "unknown service \(request.service)")
                }
                var response = Catalog_V1_HealthCheckResponse()
                response.status = state.isServing ? .serving : .notServing
                return .completed(response)
            }
        )
    }
}
