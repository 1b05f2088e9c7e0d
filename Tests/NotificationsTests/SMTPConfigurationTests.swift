import Foundation
import Testing

@testable import Notifications

/// AUTH never goes over an unencrypted connection (issue 12, item 7).
@Suite struct SMTPConfigurationTests {
    private func configuration(
        _ url: String,
        startTLS: SMTPTransport.StartTLS? = nil
    ) throws -> SMTPTransport.Configuration {
        var configuration = SMTPTransport.Configuration(url: try #require(URL(string: url)))
        configuration.startTLS = startTLS
        return configuration
    }

    @Test func credentialsMakeStartTLSRequiredByDefault() throws {
        #expect(try self.configuration("smtp://mailer:secret@mail.example.com:587").effectiveStartTLS == .required)
        var passwordApart = try self.configuration("smtp://mailer@mail.example.com:587")
        passwordApart.password = "secret"
        #expect(passwordApart.effectiveStartTLS == .required)
        #expect(try self.configuration("smtp://mail.example.com:25").effectiveStartTLS == .opportunistic)
    }

    @Test func credentialsOverAConnectionThatMayStayInClearAreRefused() async throws {
        for weak in [SMTPTransport.StartTLS.opportunistic, .off] {
            let error = #expect(throws: MailError.self) {
                _ = try SMTPTransport(
                    configuration: try self.configuration("smtp://mailer:secret@mail.example.com:587", startTLS: weak)
                )
            }
            #expect(error?.description.contains("unencrypted") == true)
            #expect(error?.description.contains("secret") == false)
        }
        // Implicit TLS, or no credentials: fine.
        let implicit = try SMTPTransport(
            configuration: try self.configuration("smtps://mailer:secret@mail.example.com")
        )
        try await implicit.shutdown()
        let anonymous = try SMTPTransport(
            configuration: try self.configuration("smtp://mail.example.com", startTLS: .off)
        )
        try await anonymous.shutdown()
    }
}
