/// What the metrics listener answers to a request, decided from its method and path alone.
public enum MetricsRoute: Equatable, Sendable {
    /// `GET /metrics`: the exposition.
    case metrics
    /// `GET /healthz`: 200 while the daemon serves (its store answers, no drain), else 503,
    /// as gRPC Health's SERVING.
    case health
    /// `GET /readyz`: 200 until the drain begins, then 503, so a load balancer stops sending
    /// calls before the listeners close.
    case readiness
    case notFound
    /// Anything but GET or HEAD: these paths only read.
    case methodNotAllowed

    /// - Parameters:
    ///   - method: the request's method, as `HTTPMethod.rawValue` spells it.
    ///   - uri: the request target; a query string is ignored.
    public init(method: String, uri: String) {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let route: MetricsRoute
        switch path {
        case "/metrics": route = .metrics
        case "/healthz": route = .health
        case "/readyz": route = .readiness
        default: route = .notFound
        }
        guard route != .notFound else {
            self = .notFound
            return
        }
        self = method == "GET" || method == "HEAD" ? route : .methodNotAllowed
    }
}

/// What the probes read: the daemon's serving state, without I/O.
public struct ProbeState: Sendable {
    /// Whether the daemon serves: its store answers and it is not draining.
    public var isServing: @Sendable () -> Bool
    /// Whether the daemon takes new calls: false from the start of the drain.
    public var isReady: @Sendable () -> Bool

    public init(isServing: @escaping @Sendable () -> Bool, isReady: @escaping @Sendable () -> Bool) {
        self.isServing = isServing
        self.isReady = isReady
    }
}
