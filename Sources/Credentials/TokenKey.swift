import Foundation
import HostSupport

/// The access-token signing key: from `CATALOG_TOKEN_KEY` (base64 of at least 32 bytes),
/// else from a file in the data dir, made once with 32 random bytes and mode 0600.
public enum TokenKey {
    public static let environmentVariable = "CATALOG_TOKEN_KEY"

    public static func load(environment: [String: String], fileInDataDir path: String) throws -> [UInt8] {
        if let text = environment[self.environmentVariable], !text.isEmpty {
            guard let key = Data(base64Encoded: text), key.count >= 32 else {
                throw TokenKeyError.invalidEnvironment
            }
            return Array(key)
        }
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            guard let key = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), key.count >= 32
            else {
                throw TokenKeyError.invalidFile(path)
            }
            return Array(key)
        }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        try SecretFile.write(Data(key).base64EncodedString() + "\n", to: path)
        return key
    }
}
