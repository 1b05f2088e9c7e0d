import Crypto
import Foundation
import Testing

@Suite struct GeneratedCodeTests {
    /// The repository root, found from this file's path.
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func generatedCodeMatchesTheProtos() throws {
        // The same digest as scripts/generate-protos: the sorted .proto files, concatenated.
        let protos = Self.root.appendingPathComponent("Protos")
        let enumerator = try #require(FileManager.default.enumerator(at: protos, includingPropertiesForKeys: nil))
        let paths = enumerator.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "proto" }
            .map { "Protos" + $0.standardizedFileURL.path.dropFirst(protos.standardizedFileURL.path.count) }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(!paths.isEmpty)
        var hasher = SHA256()
        for path in paths {
            hasher.update(data: try Data(contentsOf: Self.root.appendingPathComponent(path)))
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let recorded = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/Codec/Generated/PROTOS.sha256"),
            encoding: .utf8
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(digest == recorded, "Protos/ changed since generation: run scripts/generate-protos")
    }
}
