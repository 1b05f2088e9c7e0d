import ArgumentParser
import Credentials
import Daemon
import Domain
import Foundation
import HostSupport
import Logging
import Metrics
import NIOCore
import NIOSSL
import Notifications
import RPCServer
import Storage

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon (the default subcommand)."
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup(title: "Notifications") var notifications: NotificationOptions

    @Option(help: "Address to listen on, HOST:PORT. [env: CATALOG_LISTEN] (default: 127.0.0.1:7443)")
    var listen: ListenAddress?

    @Option(
        help: ArgumentHelp(
            "Address of the standard gRPC (HTTP/2) listener, IP:PORT, or off. Same certificate and TLS rules as --listen. [env: CATALOG_GRPC_LISTEN] (default: 127.0.0.1:7444)",
            valueName: "address"
        )
    )
    var grpcListen: GRPCListenAddress?

    @Option(help: "PEM certificate chain to serve (with --tls-key). Default: a self-signed pair in <data-dir>/tls/.")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "Require client certificates signed by this PEM CA (mutual TLS).")
    var tlsClientCa: String?

    @Flag(help: "Serve without TLS. Only behind a TLS-terminating proxy.")
    var plaintext = false

    @Option(help: "Email of the superuser made at first start. [env: CATALOG_ADMIN_EMAIL]")
    var adminEmail: String?

    @Option(help: "Seconds between view-count flushes.")
    var viewFlushInterval: Double = 1

    @Option(
        help: ArgumentHelp(
            "How long hourly view buckets are kept before they are folded into daily ones (kept forever): a number and m, h, d or w.",
            valueName: "duration"
        )
    )
    var viewHoursRetention: ReportDuration = ReportDuration("90d")!

    @Option(help: "Seconds an access token works.")
    var accessTokenLifetime: Double = 15 * 60

    @Option(help: "Seconds a refresh token works (each refresh issues a new one).")
    var refreshTokenLifetime: Double = 7 * 24 * 3600

    @Option(
        help:
            "Seconds between re-reads of the admins, which make host-side changes take effect (SQLite; PostgreSQL's change feed carries them at once)."
    )
    var identitySyncInterval: Double = 2

    @Option(
        help: ArgumentHelp(
            "Event-loop threads serving every listener and the database's connections. [env: CATALOG_EVENT_LOOPS] (default: one per core this process may run on, as its CPU affinity and cgroup limits allow)",
            valueName: "n"
        )
    )
    var eventLoops: Int?

    @OptionGroup(title: "Connection limits") var limits: ConnectionLimitOptions

    @OptionGroup(title: "Metrics") var metricsOptions: MetricsOptions

    @Option(
        help: ArgumentHelp(
            "text, or json: one object per line with time, level, message and the metadata as fields. [env: CATALOG_LOG_FORMAT] (default: text)",
            valueName: "format"
        )
    )
    var logFormat: LogFormat?

    func validate() throws {
        guard (self.tlsCert == nil) == (self.tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        guard !(self.plaintext && (self.tlsCert != nil || self.tlsClientCa != nil)) else {
            throw ValidationError("--plaintext cannot be combined with TLS options")
        }
        let durations = [
            self.viewFlushInterval, self.identitySyncInterval, self.accessTokenLifetime, self.refreshTokenLifetime,
        ]
        guard durations.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("intervals and timeouts must be positive")
        }
        guard self.viewHoursRetention.seconds >= 86_400 else {
            throw ValidationError("--view-hours-retention must be at least 1d")
        }
        // Before anything is made (the data dir, a certificate): a typo fails alone.
        _ = try self.eventLoopCount()
        _ = try self.metricsOptions.configuration()
        _ = try LogFormat(environment: "CATALOG_LOG_FORMAT")
    }

    func run() async throws {
        // First: NIO's shared event loops (every listener's, PostgreSQL's) take their number
        // from this only until they are first used.
        NIOSingletons.groupLoopCountSuggestion = try self.eventLoopCount() ?? EventLoopCount.defaultForThisProcess
        let format = try self.logFormat ?? LogFormat(environment: "CATALOG_LOG_FORMAT") ?? .text
        let level = Environment.value("CATALOG_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in format.makeHandler(label: label, level: level) }
        let logger = Logger(label: "catalogd")
        do {
            let dataDir = try self.store.resolvedDataDir()
            // Off, nothing is counted: the calls then read no clock for it.
            let metrics = try self.metricsOptions.configuration().map { _ in DaemonMetrics() }
            try await self.store.withStore(
                dataDir: dataDir,
                logger: logger,
                metrics: metrics?.factory ?? NOOPMetricsHandler.instance
            ) { store in
                try await self.serve(store, metrics: metrics, dataDir: dataDir, logger: logger)
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            // One line, naming the flag and its value where one is to blame, then a failing exit.
            logger.error("\(StartFailure(error))")
            throw ExitCode.failure
        }
    }

    /// `--event-loops`, or `CATALOG_EVENT_LOOPS`; `nil` for the default, one per core it may use.
    private func eventLoopCount() throws -> Int? {
        let value: String
        if let flag = self.eventLoops {
            value = String(flag)
        } else if let variable = Environment.value("CATALOG_EVENT_LOOPS") {
            value = variable
        } else {
            return nil
        }
        guard let count = Int(value), (1...256).contains(count) else {
            throw ValidationError("--event-loops (CATALOG_EVENT_LOOPS) must be between 1 and 256, not \(value)")
        }
        return count
    }

    /// Builds the daemon over the open store and runs its services until a shutdown signal.
    private func serve(
        _ store: any CatalogStore,
        metrics: DaemonMetrics?,
        dataDir: String,
        logger: Logger
    ) async throws {
        let configuration = try self.daemonConfiguration(dataDir: dataDir, logger: logger)
        let (worker, smtp) = try self.notifications.makeWorker(
            store: store,
            metrics: metrics?.factory ?? NOOPMetricsHandler.instance,
            logger: logger
        )
        var catalogConfiguration = ProductCatalog.Configuration()
        catalogConfiguration.changeCommitted = { worker.wake() }
        if let metrics {
            catalogConfiguration.cacheMissed = metrics.cacheMissObserver()
        }
        let catalog = ProductCatalog(store: store, configuration: catalogConfiguration)
        try await catalog.warmUp()
        var observeIdentity: @Sendable (IdentityEvent) -> Void = { _ in }
        if let metrics {
            observeIdentity = metrics.identityObserver()
        }
        let wiring = try await IdentityWiring(
            store: store,
            dataDir: dataDir,
            logger: logger,
            accessTokenLifetime: self.accessTokenLifetime,
            refreshTokenLifetime: self.refreshTokenLifetime,
            observe: observeIdentity
        )
        try await self.createInitialSuperuser(wiring.identity, dataDir: dataDir, logger: logger)

        let daemon = try Daemon(
            configuration: configuration,
            parts: DaemonParts(
                store: store,
                changeFeed: (store as? PostgresStore)?.changeFeed,
                catalog: catalog,
                identity: wiring.identity,
                worker: worker,
                metrics: metrics
            ),
            logger: logger
        )
        do {
            try await daemon.run(logger: logger)
        } catch {
            await wiring.shutdown()
            try? await smtp?.shutdown()
            throw error
        }
        await wiring.shutdown()
        try? await smtp?.shutdown()
        logger.info("stopped")
    }

    /// With no admin at all, makes the superuser `admin` and hands its password to the
    /// operator once: printed, and in a 0600 file until the password is changed.
    private func createInitialSuperuser(_ identity: IdentityService, dataDir: String, logger: Logger) async throws {
        let email = self.adminEmail ?? Environment.value("CATALOG_ADMIN_EMAIL") ?? ""
        guard let password = try await identity.createInitialSuperuserIfNoAdmins(email: email) else { return }
        let path = IdentityWiring.initialPasswordPath(dataDir: dataDir)
        try SecretFile.write(password + "\n", to: path)
        logger.notice("created the superuser \(IdentityService.initialSuperuserName); its password is in \(path)")
        // Written straight to the file descriptor: print() would sit in a buffer while the daemon runs.
        let notice = """
            initial superuser: \(IdentityService.initialSuperuserName)  password: \(password)
            (also in \(path) until the password is changed with catalogd set-password)

            """
        FileHandle.standardOutput.write(Data(notice.utf8))
    }

    /// The daemon's settings from the flags and their variables.
    private func daemonConfiguration(dataDir: String, logger: Logger) throws -> DaemonConfiguration {
        var configuration = DaemonConfiguration()
        configuration.server = try self.serverConfiguration()
        switch try self.grpcListenAddress() {
        case .address(let address): configuration.grpc = .init(host: address.host, port: address.port)
        case .off: configuration.grpc = nil
        }
        configuration.tls = try self.tlsFiles(dataDir: dataDir, logger: logger).map {
            .init(
                certificatePath: $0.certificatePath,
                privateKeyPath: $0.privateKeyPath,
                clientCAPath: self.tlsClientCa
            )
        }
        configuration.metrics = try self.metricsOptions.configuration()
        configuration.viewFlushInterval = .seconds(self.viewFlushInterval)
        configuration.viewHoursRetention = self.viewHoursRetention.seconds
        configuration.identitySyncInterval = .seconds(self.identitySyncInterval)
        return configuration
    }

    private func serverConfiguration() throws -> ServerConfiguration {
        let listen: ListenAddress
        if let flag = self.listen {
            listen = flag
        } else if let text = Environment.value("CATALOG_LISTEN") {
            guard let parsed = ListenAddress(argument: text) else {
                throw ValidationError("CATALOG_LISTEN must be HOST:PORT, not \(text)")
            }
            listen = parsed
        } else {
            listen = ListenAddress(host: "127.0.0.1", port: 7443)
        }
        var configuration = ServerConfiguration()
        configuration.host = listen.host
        configuration.port = listen.port
        self.limits.apply(to: &configuration)
        return configuration
    }

    /// Where `--grpc-listen` or its variable says, else 127.0.0.1:7444.
    private func grpcListenAddress() throws -> GRPCListenAddress {
        if let flag = self.grpcListen {
            return flag
        }
        if let text = Environment.value("CATALOG_GRPC_LISTEN") {
            guard let parsed = GRPCListenAddress(argument: text) else {
                throw ValidationError("CATALOG_GRPC_LISTEN must be IP:PORT or off, not \(text)")
            }
            return parsed
        }
        return .address(ListenAddress(host: "127.0.0.1", port: 7444))
    }

    /// The certificate and key both listeners serve; `nil` with `--plaintext`.
    private func tlsFiles(dataDir: String, logger: Logger) throws -> (certificatePath: String, privateKeyPath: String)?
    {
        if self.plaintext {
            logger.warning("serving plaintext: run this only behind a TLS-terminating proxy")
            return nil
        }
        if let certificate = self.tlsCert, let key = self.tlsKey {
            return (certificate, key)
        }
        let files = try SelfSignedCertificate.ensure(in: (dataDir as NSString).appendingPathComponent("tls"))
        logger.info(
            "serving the self-signed certificate clients should trust",
            metadata: ["path": "\(files.certificatePath)"]
        )
        return (files.certificatePath, files.privateKeyPath)
    }
}
