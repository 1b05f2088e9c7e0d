import GRDB

extension SQLiteStore {
    /// `pool.read`, recorded in the metrics under the store method's name.
    func read<Value: Sendable>(
        name: String = #function,
        _ body: @escaping @Sendable (Database) throws -> Value
    ) async throws -> Value {
        try await self.recorded(name) { try await self.pool.read(body) }
    }

    /// `pool.write` (one transaction), recorded in the metrics under the store method's name.
    func write<Value: Sendable>(
        name: String = #function,
        _ body: @escaping @Sendable (Database) throws -> Value
    ) async throws -> Value {
        try await self.recorded(name) { try await self.pool.write(body) }
    }

    private func recorded<Value: Sendable>(
        _ name: String,
        _ call: () async throws -> Value
    ) async throws -> Value {
        let started = ContinuousClock.now
        do {
            let value = try await call()
            self.callMetrics.record(name, .ok, ContinuousClock.now - started)
            return value
        } catch {
            self.callMetrics.record(
                name,
                error is CancellationError ? .cancelled : .error,
                ContinuousClock.now - started
            )
            throw error
        }
    }
}
