import Listening
import RPCServer
import Storage

/// What the daemon logs when it cannot start, or stops because a service failed: one line that
/// names the flag and its value where one is to blame (`--grpc-listen 127.0.0.1:7444: address
/// already in use`), else the error as it describes itself.
struct StartFailure: CustomStringConvertible {
    let error: any Error

    init(_ error: any Error) {
        self.error = error
    }

    var description: String {
        switch self.error {
        case let error as ListenError:
            "\(error.listener.flag) \(error.address): \(error.reason)"
        case let error as ServerTLSError:
            "\(error.file.flag) \(error.path): \(error.reason)"
        case let error as PostgresConnectError:
            "--database \(error.url): \(error.reason)"
        default:
            "catalogd stopped: \(self.error)"
        }
    }
}

extension ListenError.Listener {
    /// The flag that sets this listener's address.
    var flag: String {
        switch self {
        case .framing: "--listen"
        case .grpc: "--grpc-listen"
        case .metrics: "--metrics-listen"
        }
    }
}

extension ServerTLSError.File {
    /// The flag that names this file.
    var flag: String {
        switch self {
        case .certificateChain: "--tls-cert"
        case .privateKey: "--tls-key"
        case .clientCA: "--tls-client-ca"
        }
    }
}
