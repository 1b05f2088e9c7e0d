public import NIOCore
public import Telemetry

/// Every method the server answers, by its `method` string. Built once at start and
/// read-only afterwards, so connections share it without locks.
public struct MethodRegistry: Sendable {
    /// Keyed by the name's UTF-8 bytes, so a call's method is looked up straight from its
    /// frame, without making a `String` of it.
    private var handlers: [ByteBuffer: MethodHandler] = [:]
    /// The methods that stream (gRPC's Health.Watch and reflection): a table of their own, so
    /// that the unary calls' lookup stays what it was.
    private var streamingHandlers: [ByteBuffer: StreamingMethodHandler] = [:]
    /// The names in the order registered: a handler's `metricsIndex` is its place here.
    private var names: [String] = []

    public init() {}

    public mutating func register(_ method: String, _ handler: MethodHandler) {
        var handler = handler
        handler.metricsIndex = self.name(method)
        self.handlers[ByteBuffer(string: method)] = handler
    }

    mutating func registerStreaming(_ method: String, _ handler: StreamingMethodHandler) {
        var handler = handler
        handler.metricsIndex = self.name(method)
        self.streamingHandlers[ByteBuffer(string: method)] = handler
    }

    /// Adds a method's name, once: its place is where the call metrics count its calls.
    private mutating func name(_ method: String) -> Int {
        precondition(!self.names.contains(method), "\(method) is registered twice")
        self.names.append(method)
        return self.names.count - 1
    }

    /// The streaming method of that name, if there is one.
    func streaming(_ method: ByteBuffer) -> StreamingMethodHandler? {
        self.streamingHandlers.isEmpty ? nil : self.streamingHandlers[method]
    }

    /// The names of every method registered, in the order registered.
    public var methodNames: [String] {
        self.names
    }

    /// The methods as the call metrics label them, each at its handler's `metricsIndex`;
    /// `CallMetrics` counts any other name at `unknownMethodIndex`, right after them.
    var callMethods: [CallMethod] {
        self.names.map { name in
            let type = self.streamingHandlers[ByteBuffer(string: name)]?.callType ?? "unary"
            return CallMethod(fullName: name, type: type) ?? CallMethod(service: "", method: name, type: type)
        }
    }

    /// Where the call metrics count a call of a method not registered.
    var unknownMethodIndex: Int { self.names.count }

    public subscript(method: ByteBuffer) -> MethodHandler? {
        self.handlers[method]
    }

    public subscript(method: String) -> MethodHandler? {
        self.handlers[ByteBuffer(string: method)]
    }
}
