import Foundation
import HostSupport
import RPCClient

/// The tokens of each server an admin logged in to, in `~/.config/catalog/credentials`
/// (mode 0600, folder 0700), keyed by `HOST:PORT`.
struct CredentialsFile {
    let path: String

    static var standard: CredentialsFile {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        let base =
            ProcessInfo.processInfo.environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home
            + "/.config"
        return CredentialsFile(path: base + "/catalog/credentials")
    }

    func tokens(for server: String) -> TokenPair? {
        self.load()[server]
    }

    func save(_ tokens: TokenPair?, for server: String) throws {
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

    private func load() -> [String: TokenPair] {
        guard let data = FileManager.default.contents(atPath: self.path) else { return [:] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode([String: TokenPair].self, from: data)) ?? [:]
    }
}
