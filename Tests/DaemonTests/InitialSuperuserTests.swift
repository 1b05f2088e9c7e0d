import Domain
import Foundation
import Logging
import Storage
import TestSupport
import Testing

@testable import Daemon

/// The first start's superuser: made once, its password handed over once and kept in a 0600 file
/// until `set-password` changes it.
@Suite struct InitialSuperuserTests {
    @Test func madeOnceWithItsPasswordInASecretFile() async throws {
        try await withTemporaryDirectory { directory in
            let location = StoreLocation.sqlite(path: directory + "/catalog.sqlite")
            try await IdentityStack.withIdentity(
                at: location,
                timeout: .seconds(5),
                dataDir: directory,
                logger: Logger(label: "test")
            ) {
                identity in
                var announced: [String] = []
                let path = try await InitialSuperuser.createIfNoAdmins(
                    identity,
                    email: "ops@example.com",
                    dataDir: directory,
                    logger: Logger(label: "test"),
                    announce: { announced.append($0) }
                )
                #expect(path == InitialSuperuser.passwordPath(dataDir: directory))
                let password = try String(contentsOfFile: try #require(path), encoding: .utf8)
                    .trimmingCharacters(in: .newlines)
                let mode = try FileManager.default.attributesOfItem(atPath: try #require(path))[.posixPermissions]
                #expect(mode as? Int == 0o600)
                #expect(announced.count == 1)
                #expect(announced.first?.contains("password: \(password)") == true)
                // The password works.
                _ = try await identity.login(
                    username: InitialSuperuser.username,
                    password: password,
                    clientAddress: nil
                )

                // With an admin, nothing is made or announced again.
                let again = try await InitialSuperuser.createIfNoAdmins(
                    identity,
                    email: "",
                    dataDir: directory,
                    logger: Logger(label: "test"),
                    announce: { announced.append($0) }
                )
                #expect(again == nil)
                #expect(announced.count == 1)
            }
        }
    }

    @Test func theFileGoesOnlyWhenTheSuperusersPasswordChanges() async throws {
        try await withTemporaryDirectory { directory in
            let path = InitialSuperuser.passwordPath(dataDir: directory)
            try "secret\n".write(toFile: path, atomically: true, encoding: .utf8)
            InitialSuperuser.passwordChanged(username: "someone-else", dataDir: directory)
            #expect(FileManager.default.fileExists(atPath: path))
            InitialSuperuser.passwordChanged(username: "Admin", dataDir: directory)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }
}
