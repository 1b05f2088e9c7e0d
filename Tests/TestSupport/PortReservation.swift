import Foundation

/// A port on 127.0.0.1 held by a socket that is bound but does not listen: a connection to it is
/// refused, as to a server that is down, and no other process can take the port until
/// `release()`. For tests that start a server later on a port a client already knows; freeing
/// the port meanwhile let another test's listener (on port 0) take it.
///
/// With `listening`, the socket listens too: a port another server has taken, which a server
/// binding it (even with SO_REUSEADDR) is refused (`address already in use`).
public final class PortReservation: Sendable {
    public let port: Int
    private let descriptor: Int32

    public init(listening: Bool = false) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ProcessFailure("socket() failed: \(errno)") }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound, !listening || listen(descriptor, 1) == 0 else {
            close(descriptor)
            throw ProcessFailure("could not bind a port on 127.0.0.1: \(errno)")
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Frees the port, for the server about to listen on it.
    public func release() {
        close(self.descriptor)
    }
}
