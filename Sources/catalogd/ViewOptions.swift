import ArgumentParser
import Daemon
import HostSupport

/// How anonymous reads are counted into views and kept for the reports.
struct ViewOptions: ParsableArguments {
    @Option(help: "Seconds between view-count flushes.")
    var viewFlushInterval: Double = 1

    @Option(
        help: ArgumentHelp(
            "How long hourly view buckets are kept before they are folded into daily ones (kept forever): a number and m, h, d or w.",
            valueName: "duration"
        )
    )
    var viewHoursRetention: ReportDuration = ReportDuration("90d")!

    func validate() throws {
        guard self.viewFlushInterval > 0 else {
            throw ValidationError("--view-flush-interval must be positive")
        }
        guard self.viewHoursRetention.seconds >= 86_400 else {
            throw ValidationError("--view-hours-retention must be at least 1d")
        }
    }

    func apply(to settings: inout DaemonLaunch.Settings) {
        settings.daemon.viewFlushInterval = .seconds(self.viewFlushInterval)
        settings.daemon.viewHoursRetention = self.viewHoursRetention.seconds
    }
}
