import APIReference
import Codec
import Crypto
import Foundation
import Testing

@Suite struct GeneratedCodeTests {
    /// The repository root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath)
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

/// docs/API.md and the method options it is written from.
@Suite struct APIReferenceTests {
    @Test func apiReferenceIsWrittenFromTheCurrentDescriptorSet() throws {
        let written = try String(
            contentsOf: GeneratedCodeTests.root.appendingPathComponent("docs/API.md"),
            encoding: .utf8
        )
        let expected = APIReference(descriptorSet: try CatalogDescriptors.fileDescriptorSet()).markdown()
        #expect(written == expected, "docs/API.md is stale: run scripts/generate-protos")
    }

    @Test func everyCatalogMethodDeclaresItsAccessAndErrorsByStatusName() throws {
        let statusNames = Set(StatusCode.allCases.map(\.name))
        let files = try CatalogDescriptors.fileDescriptorSet().file.filter { $0.package == "catalog.v1" }
        let methods = files.flatMap { file in
            file.service.flatMap { service in service.method.map { (service.name, $0) } }
        }
        #expect(!methods.isEmpty)
        for (service, method) in methods {
            let name = "\(service)/\(method.name)"
            #expect(method.options.Catalog_V1_access != .unspecified, "\(name) declares no access")
            for error in method.options.Catalog_V1_errors {
                #expect(statusNames.contains(error.code), "\(name): \(error.code) is not a status code")
                #expect(error.code != "OK", "\(name): OK is not an error")
                #expect(!error.when.isEmpty, "\(name): \(error.code) says not when")
            }
        }
    }

    @Test func documentedTypesAreLinkedAndOthersAreNamed() throws {
        let page = APIReference(descriptorSet: try CatalogDescriptors.fileDescriptorSet()).markdown()
        #expect(page.contains("| `create_time` | 8 | `google.protobuf.Timestamp` |"))
        #expect(page.contains("| `products` | 1 | repeated [catalog.v1.Product](#catalogv1product) |"))
        #expect(page.contains("| `metadata` | 3 | map<string, string> |"))
        #expect(page.contains("| `name` | 2 | optional string |"))
        #expect(page.contains("### catalog.v1.Product\n"))
        #expect(!page.contains("### catalog.v1.Request.MetadataEntry"), "map entries are not messages of their own")
    }
}
