import Codec
import RPCServer
import TestSupport

/// A test-only method that holds every call until the test opens its gate, counting the
/// calls that started, so tests can fill a connection with calls in flight.
struct ControlledMethod: Sendable {
    static let name = "test.v1.Controlled/Wait"

    let gate = Gate()
    let started = EventCounter()

    func register(in registry: inout MethodRegistry) {
        registry.register(
            Self.name,
            .asynchronous(Catalog_V1_HealthCheckRequest.self, access: .anyone) { [gate, started] _, _ in
                started.increment()
                await gate.wait()
                try Task.checkCancellation()
                return Catalog_V1_HealthCheckResponse()
            }
        )
    }

    static func request(_ callID: UInt64, timeoutMs: UInt32 = 0) throws -> Catalog_V1_Request {
        try .call(callID, Self.name, Catalog_V1_HealthCheckRequest(), timeoutMs: timeoutMs)
    }
}
