import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A listener could not listen on its address: what the daemon logs as its one line before it
/// exits, naming the listener's flag (`--grpc-listen 127.0.0.1:7444: address already in use`).
public struct ListenError: Error, CustomStringConvertible {
    /// Which of the daemon's listeners failed.
    public enum Listener: String, Sendable {
        /// The framing's (`--listen`).
        case framing
        /// Standard gRPC's (`--grpc-listen`).
        case grpc
        /// Metrics and probes (`--metrics-listen`).
        case metrics
    }

    public var listener: Listener
    public var host: String
    public var port: Int
    /// What the system said (`address already in use`), without the error's type or errno.
    public var reason: String
    /// The error as thrown, for the debug log.
    public var cause: any Error

    /// - Parameter cause: a bind's error; a system call's (`IOError`, or one found by
    ///   `underlying`) gives its errno's words as `reason`.
    public init(listener: Listener, host: String, port: Int, cause: any Error) {
        self.listener = listener
        self.host = host
        self.port = port
        self.cause = cause
        if let error = cause as? IOError {
            self.reason = String(cString: strerror(error.errnoCode)).lowercased()
        } else {
            self.reason = "\(cause)"
        }
    }

    /// `HOST:PORT`, an IPv6 host in brackets, as the flags take it.
    public var address: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    public var description: String {
        "cannot listen on \(self.address): \(self.reason)"
    }
}
