import Codec
import Foundation
import SwiftProtobuf
import Testing

@testable import RPCServer

/// What gRPC reflection answers, from the daemon's own descriptor set, without a network.
@Suite struct ReflectionIndexTests {
    private let index = ReflectionIndex.catalog(serviceNames: ["catalog.v1.ProductService", "grpc.health.v1.Health"])

    private func answer(
        _ request: Grpc_Reflection_V1_ServerReflectionRequest.OneOf_MessageRequest
    ) -> Grpc_Reflection_V1_ServerReflectionResponse {
        self.index.answer(
            .with {
                $0.host = "localhost:7444"
                $0.messageRequest = request
            }
        )
    }

    /// The files of a file-descriptor answer, by name, in the order sent.
    private func fileNames(_ response: Grpc_Reflection_V1_ServerReflectionResponse) throws -> [String] {
        guard case .fileDescriptorResponse(let files)? = response.messageResponse else {
            Issue.record("not a file answer: \(response)")
            return []
        }
        return try files.fileDescriptorProto.map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0).name }
    }

    @Test func listsTheServicesServedSorted() {
        let response = self.answer(.listServices("*"))
        #expect(response.validHost == "localhost:7444")
        #expect(response.originalRequest.listServices == "*")
        #expect(
            response.listServicesResponse.service.map(\.name) == ["catalog.v1.ProductService", "grpc.health.v1.Health"]
        )
    }

    @Test func aSymbolIsAnsweredWithItsFileFirstAndEveryImportOnce() throws {
        for symbol in [
            "catalog.v1.ProductService", "catalog.v1.ProductService.GetProduct", "catalog.v1.Product",
            "catalog.v1.Product.sku", "catalog.v1.HealthCheckResponse.ServingStatus",
            "catalog.v1.HealthCheckResponse.SERVING",
        ] {
            let names = try self.fileNames(self.answer(.fileContainingSymbol(symbol)))
            #expect(
                names.first == (symbol.contains("Health") ? "catalog/v1/health.proto" : "catalog/v1/products.proto"),
                "\(symbol)"
            )
            #expect(Set(names).count == names.count, "\(symbol): a file sent twice")
            #expect(
                names.contains("catalog/v1/options.proto") && names.contains("google/protobuf/descriptor.proto"),
                "\(symbol)"
            )
        }
        let products = try self.fileNames(self.answer(.fileByFilename("catalog/v1/products.proto")))
        #expect(
            Set(products) == [
                "catalog/v1/products.proto", "catalog/v1/options.proto", "google/protobuf/descriptor.proto",
                "google/protobuf/timestamp.proto",
            ]
        )
    }

    @Test func theFilesSentKeepTheirComments() throws {
        guard
            case .fileDescriptorResponse(let files)? = self.answer(.fileByFilename("catalog/v1/products.proto"))
                .messageResponse,
            let first = files.fileDescriptorProto.first
        else {
            Issue.record("no file answered")
            return
        }
        let file = try Google_Protobuf_FileDescriptorProto(serializedBytes: first)
        #expect(file.sourceCodeInfo.location.contains { $0.leadingComments.contains("Reads one product") })
    }

    @Test func extensionsAreFoundByTypeAndNumber() throws {
        let numbers = self.answer(.allExtensionNumbersOfType("google.protobuf.MethodOptions"))
        #expect(numbers.allExtensionNumbersResponse.baseTypeName == "google.protobuf.MethodOptions")
        #expect(numbers.allExtensionNumbersResponse.extensionNumber == [51001, 51002])
        let file = self.answer(
            .fileContainingExtension(
                .with {
                    $0.containingType = "google.protobuf.MethodOptions"
                    $0.extensionNumber = 51001
                }
            )
        )
        #expect(try self.fileNames(file).first == "catalog/v1/options.proto")
        #expect(
            try self.fileNames(self.answer(.fileContainingSymbol("catalog.v1.access"))).first
                == "catalog/v1/options.proto"
        )
    }

    @Test func whatIsNotKnownIsNotFoundAndTheStreamGoesOn() {
        let unknown: [Grpc_Reflection_V1_ServerReflectionRequest.OneOf_MessageRequest] = [
            .fileByFilename("nope.proto"),
            .fileContainingSymbol("catalog.v1.Nope"),
            .fileContainingExtension(
                .with {
                    $0.containingType = "google.protobuf.MethodOptions"
                    $0.extensionNumber = 1
                }
            ),
            .allExtensionNumbersOfType("catalog.v1.Nope"),
        ]
        for request in unknown {
            let response = self.answer(request)
            #expect(response.errorResponse.errorCode == Int32(StatusCode.notFound.rawValue), "\(request)")
            #expect(!response.errorResponse.errorMessage.isEmpty)
        }
        let empty = self.index.answer(Grpc_Reflection_V1_ServerReflectionRequest())
        #expect(empty.errorResponse.errorCode == Int32(StatusCode.invalidArgument.rawValue))
    }
}
