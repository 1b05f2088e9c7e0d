import ArgumentParser
import Daemon
import HostSupport
import Logging
import NIOCore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon (the default subcommand)."
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup var listeners: ListenOptions

    @OptionGroup(title: "TLS") var tls: TLSOptions

    @OptionGroup(title: "Admins") var identity: IdentityOptions

    @OptionGroup(title: "Views") var views: ViewOptions

    @OptionGroup(title: "Notifications") var notifications: NotificationOptions

    @Option(
        help: ArgumentHelp(
            EnvironmentSettings.eventLoops.help(
                "Event-loop threads serving every listener and the database's connections."
            ),
            valueName: "n"
        )
    )
    var eventLoops: String?

    @OptionGroup(title: "Connection limits") var limits: ConnectionLimitOptions

    @OptionGroup(title: "Metrics") var metrics: MetricsOptions

    @Option(
        help: ArgumentHelp(
            EnvironmentSettings.logFormat.help(
                "text, or json: one object per line with time, level, message and the metadata as fields."
            ),
            valueName: "format"
        )
    )
    var logFormat: String?

    func validate() throws {
        // Before anything is made (the data dir, a certificate): a typo fails alone.
        _ = try self.launchSettings(dataDir: ".")
        _ = try self.process()
    }

    func run() async throws {
        let (eventLoops, format) = try self.process()
        // First: NIO's shared event loops (every listener's, PostgreSQL's) take their number
        // from this only until they are first used.
        NIOSingletons.groupLoopCountSuggestion = eventLoops ?? EventLoopCount.defaultForThisProcess
        let level = Environment.value("CATALOG_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in format.makeHandler(label: label, level: level) }
        let logger = Logger(label: "catalogd")
        do {
            try await DaemonLaunch.run(
                try self.launchSettings(dataDir: try self.store.resolvedDataDir()),
                logger: logger
            )
        } catch let error as ValidationError {
            throw error
        } catch {
            // One line, naming the flag and its value where one is to blame, then a failing exit.
            logger.error("\(StartFailure(error))")
            throw ExitCode.failure
        }
    }

    /// What the process is set up with before the daemon: its event loops and log format.
    private func process() throws -> (eventLoops: Int?, logFormat: LogFormat) {
        try SettingError.reportedAsValidation {
            let eventLoops = try EnvironmentSettings.eventLoops.value(
                text: self.eventLoops,
                expected: "between 1 and 256",
                parse: { Int($0).flatMap { (1...256).contains($0) ? $0 : nil } }
            )
            let format = try EnvironmentSettings.logFormat.value(
                text: self.logFormat,
                expected: "text or json",
                parse: LogFormat.init(rawValue:)
            )
            return (eventLoops, format ?? .text)
        }
    }

    /// Every setting of the daemon, from the flags and their variables.
    private func launchSettings(dataDir: String) throws -> DaemonLaunch.Settings {
        try SettingError.reportedAsValidation {
            var settings = DaemonLaunch.Settings(dataDir: dataDir, store: try self.store.location(dataDir: dataDir))
            settings.storeTimeout = .seconds(self.store.databaseTimeout)
            try self.listeners.apply(to: &settings)
            self.limits.apply(to: &settings.daemon.server)
            settings.tls = self.tls.choice
            settings.daemon.metrics = try self.metrics.configuration()
            self.identity.apply(to: &settings)
            self.views.apply(to: &settings)
            try self.notifications.apply(to: &settings)
            return settings
        }
    }
}
