import ArgumentParser
import Daemon

/// The admins: the first-start superuser, token lifetimes, and how host-side changes are heard.
struct IdentityOptions: ParsableArguments {
    @Option(help: ArgumentHelp(EnvironmentSettings.adminEmail.help("Email of the superuser made at first start.")))
    var adminEmail: String?

    @Option(help: "Seconds an access token works.")
    var accessTokenLifetime: Double = 15 * 60

    @Option(help: "Seconds a refresh token works (each refresh issues a new one).")
    var refreshTokenLifetime: Double = 7 * 24 * 3600

    @Option(
        help:
            "Seconds between re-reads of the admins, which make host-side changes take effect (SQLite; PostgreSQL's change feed carries them at once)."
    )
    var identitySyncInterval: Double = 2

    func validate() throws {
        guard [self.accessTokenLifetime, self.refreshTokenLifetime, self.identitySyncInterval].allSatisfy({ $0 > 0 })
        else {
            throw ValidationError("token lifetimes and --identity-sync-interval must be positive")
        }
    }

    func apply(to settings: inout DaemonLaunch.Settings) {
        settings.adminEmail = EnvironmentSettings.adminEmail.text(flag: self.adminEmail)?.text ?? ""
        settings.identity.accessTokenLifetime = self.accessTokenLifetime
        settings.identity.refreshTokenLifetime = self.refreshTokenLifetime
        settings.daemon.identitySyncInterval = .seconds(self.identitySyncInterval)
    }
}
