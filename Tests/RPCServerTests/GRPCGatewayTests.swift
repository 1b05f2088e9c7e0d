import Codec
import Foundation
import GRPCCore
import GRPCProtobuf
import RPCClient
import SwiftProtobuf
import Testing

@testable import RPCServer

/// Issue 14: the same methods over standard gRPC, through the same handlers, with grpc-swift's
/// own client on a real TLS socket.
@Suite struct GRPCGatewayTests {
    @Test func anonymousReadsAreServedAndCountedAsOnTheFraming() async throws {
        try await withTestServer(grpc: true) { server in
            let product = try await server.withClient(accessToken: try await server.accessToken()) { admin in
                try await admin.createProduct(name: "Lamp", brand: "Acme", priceCents: 100)
            }
            let reads = 20
            try await withGRPCClient(server) { client in
                let health = try await client.call(
                    CatalogMethod.healthCheck,
                    Catalog_V1_HealthCheckRequest(),
                    returning: Catalog_V1_HealthCheckResponse.self
                )
                #expect(health.status == .serving)
                for _ in 0..<reads {
                    let read = try await client.call(
                        CatalogMethod.getProduct,
                        Catalog_V1_GetProductRequest.with { $0.sku = product.sku },
                        returning: Catalog_V1_Product.self
                    )
                    #expect(read.name == "Lamp")
                }
                let missing = await #expect(throws: RPCError.self) {
                    _ = try await client.call(
                        CatalogMethod.getProduct,
                        Catalog_V1_GetProductRequest.with { $0.sku = UUID().uuidString },
                        returning: Catalog_V1_Product.self
                    )
                }
                #expect(missing?.code == .notFound)
            }
            try await server.catalog.flushViews()
            let views = try await server.withClient { client async throws in
                try await client.getProduct(sku: product.sku).views
            }
            #expect(views == UInt64(reads))
        }
    }

    @Test func adminMethodsTakeTheBearerTokenAndFailAsOnTheFraming() async throws {
        try await withTestServer(grpc: true) { server in
            let create = Catalog_V1_CreateProductRequest.with {
                $0.name = "Lamp"
                $0.brand = "Acme"
                $0.priceCents = 100
                $0.currency = "MXN"
            }
            let onFraming = await #expect(throws: RPCStatus.self) {
                try await server.withClient {
                    _ = try await $0.createProduct(name: "Lamp", brand: "Acme", priceCents: 100)
                }
            }
            try await withGRPCClient(server) { client in
                let anonymous = await #expect(throws: RPCError.self) {
                    _ = try await client.call(CatalogMethod.createProduct, create, returning: Catalog_V1_Product.self)
                }
                #expect(anonymous?.code == .unauthenticated)
                #expect(anonymous?.message == onFraming?.message)

                let tokens = try await client.call(
                    CatalogMethod.login,
                    Catalog_V1_LoginRequest.with {
                        $0.username = TestAdmin.username
                        $0.password = TestAdmin.password
                    },
                    returning: Catalog_V1_TokenPair.self
                )
                let created = try await client.call(
                    CatalogMethod.createProduct,
                    create,
                    token: tokens.accessToken,
                    returning: Catalog_V1_Product.self
                )
                #expect(created.version == 1)
                // An admin's read is not a view, on either transport.
                _ = try await client.call(
                    CatalogMethod.getProduct,
                    Catalog_V1_GetProductRequest.with { $0.sku = created.sku },
                    token: tokens.accessToken,
                    returning: Catalog_V1_Product.self
                )
                try await server.catalog.flushViews()
                let views = try await server.withClient { client async throws in
                    try await client.getProduct(sku: created.sku).views
                }
                #expect(views == 0)
            }
        }
    }

    @Test func fieldViolationsTravelAsABadRequestInTheStatusDetails() async throws {
        try await withTestServer(grpc: true) { server in
            let token = try await server.accessToken()
            let onFraming = await #expect(throws: RPCStatus.self) {
                try await server.withClient(accessToken: token) {
                    _ = try await $0.createProduct(name: "", brand: "", priceCents: -5, currency: "mx")
                }
            }
            try await withGRPCClient(server) { client in
                let error = await #expect(throws: RPCError.self) {
                    _ = try await client.call(
                        CatalogMethod.createProduct,
                        Catalog_V1_CreateProductRequest.with {
                            $0.priceCents = -5
                            $0.currency = "mx"
                        },
                        token: token,
                        returning: Catalog_V1_Product.self
                    )
                }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message == onFraming?.message)
                // As any gRPC library reads the trailer (grpc-swift-protobuf's, here).
                let status = try #require(try error?.unpackGoogleRPCStatus())
                #expect(status.code == .invalidArgument)
                #expect(status.message == onFraming?.message)
                let badRequest = try #require(status.details.first?.badRequest)
                let violations = badRequest.violations.map {
                    RPCStatus.FieldViolation(field: $0.field, description: $0.violationDescription)
                }
                #expect(violations == onFraming?.fieldViolations)
            }
        }
    }

    @Test func aPayloadThatIsNotTheRequestMessageIsInvalidArgumentAndAnUnknownMethodUnimplemented() async throws {
        try await withTestServer(grpc: true) { server in
            try await withGRPCClient(server) { client in
                // A varint cut short: no message at all.
                let malformed = await #expect(throws: RPCError.self) {
                    _ = try await client.unary(
                        request: ClientRequest(message: [8, 128]),
                        descriptor: try #require(MethodDescriptor(catalogMethod: CatalogMethod.getProduct)),
                        serializer: RawMessageCoding(),
                        deserializer: RawMessageCoding(),
                        options: .defaults
                    ) { try $0.message }
                }
                #expect(malformed?.code == .invalidArgument)
                #expect(malformed?.message == "payload is not a valid catalog.v1.GetProductRequest")
                let unknown = await #expect(throws: RPCError.self) {
                    _ = try await client.call(
                        "catalog.v1.ProductService/Explode",
                        Catalog_V1_GetProductRequest(),
                        returning: Catalog_V1_Product.self
                    )
                }
                #expect(unknown?.code == .unimplemented)
            }
        }
    }
}
