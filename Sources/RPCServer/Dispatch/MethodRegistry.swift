/// Every method the server answers, by its `method` string. Built once at start and
/// read-only afterwards, so connections share it without locks.
public struct MethodRegistry: Sendable {
    private var handlers: [String: MethodHandler] = [:]

    public init() {}

    public mutating func register(_ method: String, _ handler: MethodHandler) {
        precondition(self.handlers[method] == nil, "\(method) is registered twice")
        self.handlers[method] = handler
    }

    public subscript(method: String) -> MethodHandler? {
        self.handlers[method]
    }

    /// The registered method names, sorted.
    public var methods: [String] { self.handlers.keys.sorted() }
}
