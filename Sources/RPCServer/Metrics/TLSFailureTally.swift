import NIOSSL
import NIOTLS

/// Whether a connection's error is its TLS handshake failing, for
/// `catalog_connection_tls_failures_total`: a TLS error before the handshake completed, once
/// per connection. After the handshake, TLS errors are the peer's manners (a close without
/// close_notify is NIOSSL's `uncleanShutdown`), not a failed handshake; and NIOSSL can report
/// more than one error for one failed handshake (the failure, then the alert it could not write).
struct TLSFailureTally {
    private var settled = false

    /// Notes a user event passing the connection's pipeline.
    mutating func observe(_ event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            self.settled = true
        }
    }

    /// Whether `error` is the connection's handshake failing, the first time it is.
    mutating func isHandshakeFailure(_ error: any Error) -> Bool {
        guard !self.settled, error is NIOSSLError || error is BoringSSLError else { return false }
        self.settled = true
        return true
    }
}
