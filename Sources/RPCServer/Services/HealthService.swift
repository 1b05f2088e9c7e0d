import Codec
import Synchronization

/// Whether the server serves: the store answers and the server is not draining.
/// Updated by the server's probe loop and at shutdown; read without I/O by Health/Check.
public final class ServingState: Sendable {
    private let storeReachable = Atomic<Bool>(true)
    private let draining = Atomic<Bool>(false)

    public init() {}

    public var isServing: Bool {
        self.storeReachable.load(ordering: .relaxed) && !self.draining.load(ordering: .relaxed)
    }

    func setStoreReachable(_ reachable: Bool) {
        self.storeReachable.store(reachable, ordering: .relaxed)
    }

    func startDraining() {
        self.draining.store(true, ordering: .relaxed)
    }
}

extension MethodRegistry {
    /// The services Health/Check knows by name; the empty name is the whole server.
    static let checkableServices: Set<String> = ["", "catalog.v1.ProductService", "catalog.v1.Health"]

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
