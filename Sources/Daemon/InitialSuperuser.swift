public import Domain
import Foundation
import HostSupport
public import Logging

/// The superuser a daemon makes at its first start, when there is no admin at all: `admin`, whose
/// password is handed to the operator once, printed and in a 0600 file of the data directory
/// until it is changed with `catalogd set-password`.
public enum InitialSuperuser {
    public static var username: String { IdentityService.initialSuperuserName }

    /// The file holding the first-start password until it is changed.
    public static func passwordPath(dataDir: String) -> String {
        (dataDir as NSString).appendingPathComponent("initial-admin-password")
    }

    /// Makes the superuser when there is no admin, writes its password to `passwordPath` and
    /// hands the notice to `announce`; does nothing when an admin exists.
    /// - Returns: the password file's path when the superuser was made.
    @discardableResult
    public static func createIfNoAdmins(
        _ identity: IdentityService,
        email: String,
        dataDir: String,
        logger: Logger,
        announce: (String) -> Void = Self.printNow
    ) async throws -> String? {
        guard let password = try await identity.createInitialSuperuserIfNoAdmins(email: email) else { return nil }
        let path = Self.passwordPath(dataDir: dataDir)
        try SecretFile.write(password + "\n", to: path)
        logger.notice("created the superuser \(Self.username); its password is in \(path)")
        announce(
            """
            initial superuser: \(Self.username)  password: \(password)
            (also in \(path) until the password is changed with catalogd set-password)

            """
        )
        return path
    }

    /// After `username`'s password was set on the host: when it is this superuser's, the file's
    /// password no longer works, and the file goes.
    public static func passwordChanged(username: String, dataDir: String) {
        guard username.lowercased() == Self.username else { return }
        try? FileManager.default.removeItem(atPath: Self.passwordPath(dataDir: dataDir))
    }

    /// Straight to the file descriptor: print() would sit in a buffer while the daemon runs.
    public static func printNow(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
