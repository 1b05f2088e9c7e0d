import ArgumentParser
import HostSupport

/// catalogd's options that an environment variable can set too, as help and errors name them.
enum EnvironmentSettings {
    static let dataDir = FlagOrEnvironment(flag: "--data-dir", variable: "CATALOG_DATA_DIR", default: "./.catalog")
    static let database = FlagOrEnvironment(
        flag: "--database",
        variable: "CATALOG_DATABASE_URL",
        default: "SQLite in the data dir"
    )
    static let listen = FlagOrEnvironment(flag: "--listen", variable: "CATALOG_LISTEN", default: "127.0.0.1:7443")
    static let grpcListen = FlagOrEnvironment(
        flag: "--grpc-listen",
        variable: "CATALOG_GRPC_LISTEN",
        default: "127.0.0.1:7444"
    )
    static let metricsListen = FlagOrEnvironment(
        flag: "--metrics-listen",
        variable: "CATALOG_METRICS_LISTEN",
        default: "off"
    )
    static let adminEmail = FlagOrEnvironment(flag: "--admin-email", variable: "CATALOG_ADMIN_EMAIL")
    static let eventLoops = FlagOrEnvironment(
        flag: "--event-loops",
        variable: "CATALOG_EVENT_LOOPS",
        default: "one per core this process may run on, as its CPU affinity and cgroup limits allow"
    )
    static let logFormat = FlagOrEnvironment(flag: "--log-format", variable: "CATALOG_LOG_FORMAT", default: "text")
    static let smtpURL = FlagOrEnvironment(flag: "--smtp-url", variable: "CATALOG_SMTP_URL")
    static let smtpFrom = FlagOrEnvironment(
        flag: "--smtp-from",
        variable: "CATALOG_SMTP_FROM",
        default: "catalogd@<hostname>"
    )
}

/// A listener's address, or `off`.
enum ListenSetting: Equatable {
    case address(HostPort)
    case off

    /// `HOST:PORT` or `off`; with `ipOnly` (`--grpc-listen`) the host must be an IP address: the
    /// listener binds what the operator wrote, not what a resolver answers today.
    static func parse(_ text: String, ipOnly: Bool = false) -> ListenSetting? {
        if text == "off" {
            return .off
        }
        guard let address = HostPort(text), !ipOnly || address.hostIsIPAddress else { return nil }
        return .address(address)
    }
}

extension SettingError {
    /// Runs `body`, a bad flag's or variable's text reported as ArgumentParser reports a bad flag.
    static func reportedAsValidation<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as SettingError {
            throw ValidationError(error.description)
        }
    }
}
