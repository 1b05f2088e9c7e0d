import NIOCore

/// Every method the server answers, by its `method` string. Built once at start and
/// read-only afterwards, so connections share it without locks.
public struct MethodRegistry: Sendable {
    /// Keyed by the name's UTF-8 bytes, so a call's method is looked up straight from its
    /// frame, without making a `String` of it.
    private var handlers: [ByteBuffer: MethodHandler] = [:]

    public init() {}

    public mutating func register(_ method: String, _ handler: MethodHandler) {
        let key = ByteBuffer(string: method)
        precondition(self.handlers[key] == nil, "\(method) is registered twice")
        self.handlers[key] = handler
    }

    /// The names of every method registered, in no particular order.
    public var methodNames: [String] {
        self.handlers.keys.map { String(buffer: $0) }
    }

    public subscript(method: ByteBuffer) -> MethodHandler? {
        self.handlers[method]
    }

    public subscript(method: String) -> MethodHandler? {
        self.handlers[ByteBuffer(string: method)]
    }
}
