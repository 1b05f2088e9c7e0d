import Codec
public import Foundation
import HostSupport

/// The tokens of each server an admin logged in to, in `~/.config/catalog/credentials`
/// (mode 0600, folder 0700), keyed by `HOST:PORT`: rpc-client's logins between its runs.
public struct CredentialsFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// `$XDG_CONFIG_HOME/catalog/credentials`, else `$HOME/.config/catalog/credentials`.
    public static var standard: CredentialsFile {
        let home = Environment.value("HOME") ?? NSHomeDirectory()
        let base = Environment.value("XDG_CONFIG_HOME") ?? home + "/.config"
        return CredentialsFile(path: base + "/catalog/credentials")
    }

    public func tokens(for server: String) -> TokenPair? {
        self.load()[server]
    }

    /// Stores `tokens` as `server`'s login, or forgets it when `nil`.
    public func save(_ tokens: TokenPair?, for server: String) throws {
        var all = self.load()
        all[server] = tokens
        try FileManager.default.createDirectory(
            atPath: (self.path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try SecretFile.write(String(decoding: try encoder.encode(all), as: UTF8.self) + "\n", to: self.path)
    }

    /// The stored access token of `server`, refreshed through `client` (and the new pair stored)
    /// first when it has expired at `now` or expires within 30 s.
    /// - Throws: `RPCStatus` UNAUTHENTICATED when there is no login, or when the refresh token no
    ///   longer works (the login is then forgotten).
    public func accessToken(
        for server: String,
        refreshingWith client: CatalogClient,
        now: Date = Date()
    ) async throws -> String {
        guard var tokens = self.tokens(for: server) else {
            throw RPCStatus(.unauthenticated, "not logged in to \(server); run rpc-client login --username NAME")
        }
        if tokens.accessExpireTime.timeIntervalSince(now) < 30 {
            do {
                tokens = try await client.refresh(refreshToken: tokens.refreshToken)
            } catch let error as RPCStatus where error.code == .unauthenticated {
                try self.save(nil, for: server)
                throw RPCStatus(
                    .unauthenticated,
                    "the login to \(server) expired; run rpc-client login --username NAME"
                )
            }
            try self.save(tokens, for: server)
        }
        return tokens.accessToken
    }

    private func load() -> [String: TokenPair] {
        guard let data = FileManager.default.contents(atPath: self.path) else { return [:] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode([String: TokenPair].self, from: data)) ?? [:]
    }
}
