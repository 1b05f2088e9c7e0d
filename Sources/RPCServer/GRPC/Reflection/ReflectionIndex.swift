import Codec
import Foundation
import SwiftProtobuf

/// What gRPC server reflection answers, from a descriptor set: files by name, the file that
/// declares each symbol and extension, and the services served. Built once; answering is a
/// lookup, so a reflection stream costs the server no more than the bytes it sends.
struct ReflectionIndex: Sendable {
    /// An extension by the message it extends (fully qualified, no leading dot) and its number.
    private struct ExtensionKey: Hashable {
        var containingType: String
        var number: Int32
    }

    /// Each file's serialized `FileDescriptorProto`, as reflection sends it, and its imports.
    private let files: [String: (serialized: Data, dependencies: [String])]
    private let fileBySymbol: [String: String]
    private let fileByExtension: [ExtensionKey: String]
    private let extensionNumbers: [String: [Int32]]
    /// The fully qualified names of the services served, sorted.
    let serviceNames: [String]

    init(descriptorSet: Google_Protobuf_FileDescriptorSet, serviceNames: some Sequence<String>) throws {
        var files: [String: (Data, [String])] = [:]
        var symbols = SymbolCollector()
        for file in descriptorSet.file {
            files[file.name] = (try file.serializedBytes(), file.dependency)
            symbols.add(file)
        }
        self.files = files
        self.fileBySymbol = symbols.fileBySymbol
        self.fileByExtension = Dictionary(
            symbols.extensions.map { (ExtensionKey(containingType: $0.extendee, number: $0.number), $0.file) },
            uniquingKeysWith: { first, _ in first }
        )
        self.extensionNumbers = Dictionary(grouping: symbols.extensions, by: \.extendee)
            .mapValues { $0.map(\.number).sorted() }
        self.serviceNames = serviceNames.sorted()
    }

    /// The index of the daemon's own descriptor set (`CatalogDescriptors`), built into the binary.
    static func catalog(serviceNames: some Sequence<String>) -> ReflectionIndex {
        do {
            return try ReflectionIndex(
                descriptorSet: try CatalogDescriptors.fileDescriptorSet(),
                serviceNames: serviceNames
            )
        } catch {
            // A test decodes the embedded set; failing here means the build embedded something else.
            fatalError("the embedded descriptor set does not decode (\(error)): run scripts/generate-protos")
        }
    }

    func answer(_ request: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse {
        var response = Grpc_Reflection_V1_ServerReflectionResponse()
        response.validHost = request.host
        response.originalRequest = request
        switch request.messageRequest {
        case .fileByFilename(let name):
            response.messageResponse =
                self.files[name] != nil
                ? .fileDescriptorResponse(self.descriptors(startingAt: name))
                : Self.notFound("no file \(name)")
        case .fileContainingSymbol(let symbol):
            response.messageResponse =
                self.fileBySymbol[symbol].map { .fileDescriptorResponse(self.descriptors(startingAt: $0)) }
                ?? Self.notFound("no symbol \(symbol)")
        case .fileContainingExtension(let request):
            let key = ExtensionKey(containingType: request.containingType, number: request.extensionNumber)
            response.messageResponse =
                self.fileByExtension[key].map { .fileDescriptorResponse(self.descriptors(startingAt: $0)) }
                ?? Self.notFound("no extension \(request.extensionNumber) of \(request.containingType)")
        case .allExtensionNumbersOfType(let type):
            if self.fileBySymbol[type] != nil {
                response.messageResponse = .allExtensionNumbersResponse(
                    .with {
                        $0.baseTypeName = type
                        $0.extensionNumber = self.extensionNumbers[type] ?? []
                    }
                )
            } else {
                response.messageResponse = Self.notFound("no type \(type)")
            }
        case .listServices:
            response.messageResponse = .listServicesResponse(
                .with { list in list.service = self.serviceNames.map { name in .with { $0.name = name } } }
            )
        case nil:
            response.messageResponse = .errorResponse(
                .with {
                    $0.errorCode = Int32(StatusCode.invalidArgument.rawValue)
                    $0.errorMessage = "the request asks for nothing"
                }
            )
        }
        return response
    }

    /// The file named and every file it imports, transitively, the named one first: what a
    /// client needs to build its descriptors without another round trip.
    private func descriptors(startingAt name: String) -> Grpc_Reflection_V1_FileDescriptorResponse {
        var order: [String] = []
        var seen: Set<String> = []
        var pending = [name]
        while let next = pending.first {
            pending.removeFirst()
            guard seen.insert(next).inserted, let file = self.files[next] else { continue }
            order.append(next)
            pending.append(contentsOf: file.dependencies)
        }
        return .with { $0.fileDescriptorProto = order.compactMap { self.files[$0]?.serialized } }
    }

    private static func notFound(_ message: String) -> Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse
    {
        .errorResponse(
            .with {
                $0.errorCode = Int32(StatusCode.notFound.rawValue)
                $0.errorMessage = message
            }
        )
    }
}
