import Benchmark
import Codec
import Domain
import Foundation
import Logging
import NIOCore
import RPCServer
import SwiftProtobuf

/// The steps of one GetProduct on the server, each alone: allocations and instructions per call.
///
///     cd Benchmarks && swift package benchmark
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.instructions, .mallocCountTotal, .throughput, .wallClock],
        scalingFactor: .kilo,
        maxDuration: .seconds(3)
    )

    let fixture = Fixture.make()

    Benchmark("Frame decode (FrameDecoder)") { benchmark in
        for _ in benchmark.scaledIterations {
            var buffer = fixture.framedRequest
            var decoder = FrameDecoder(maxFrameSize: 4 * 1024 * 1024)
            blackHole(try decoder.decode(buffer: &buffer))
        }
    }

    Benchmark("Envelope decode (RequestEnvelope)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try RequestEnvelope(frame: fixture.request))
        }
    }

    Benchmark("Envelope decode (SwiftProtobuf's Catalog_V1_Request, for comparison)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Catalog_V1_Request(serializedBytes: fixture.request.readableBytesSpan))
        }
    }

    Benchmark("Dispatch (GetProduct handler, anonymous)") { benchmark in
        let handler = fixture.registry[CatalogMethod.getProduct]!
        for _ in benchmark.scaledIterations {
            blackHole(try handler.handle(fixture.getProductPayload, fixture.anonymous))
        }
    }

    Benchmark("View counting (ViewCounter.count)") { benchmark in
        let counter = ViewCounter()
        for _ in benchmark.scaledIterations {
            counter.count(fixture.sku)
        }
        blackHole(counter.drain())
    }

    Benchmark("Response encode, cached wire form (GetProduct's path)") { benchmark in
        let serialized: [UInt8] = try fixture.productMessage.serializedBytes()
        var buffer = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        for _ in benchmark.scaledIterations {
            if buffer.writableBytes < 512 {
                buffer.clear()
            }
            buffer.writeResponseFrame(callID: 12345, serializedPayload: serialized)
        }
        blackHole(buffer)
    }

    Benchmark("Response encode, message serialized per call") { benchmark in
        var buffer = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        for _ in benchmark.scaledIterations {
            if buffer.writableBytes < 512 {
                buffer.clear()
            }
            try buffer.writeResponseFrame(callID: 12345, payload: fixture.productMessage)
        }
        blackHole(buffer)
    }
}

/// One cached product and the bytes of a GetProduct for it.
struct Fixture: Sendable {
    var sku: UUID
    var registry: MethodRegistry
    var anonymous: CallContext
    var getProductPayload: ByteBuffer
    /// The Request without its frame's length prefix.
    var request: ByteBuffer
    var framedRequest: ByteBuffer
    var productMessage: Catalog_V1_Product

    static func make() -> Fixture {
        let now = Timestamp.now()
        let product = Product(
            sku: UUID(),
            name: "Bench product 12",
            brand: "bench",
            priceCents: 1200,
            currency: "MXN",
            createTime: now,
            updateTime: now
        )
        let catalog = ProductCatalog(store: OneProductStore(product: product))
        let warmed = DispatchSemaphore(value: 0)
        Task {
            try await catalog.warmUp()
            warmed.signal()
        }
        warmed.wait()
        var registry = MethodRegistry()
        registry.registerProductService(catalog)

        var get = Catalog_V1_GetProductRequest()
        get.sku = product.sku.uuidString.lowercased()
        var request = Catalog_V1_Request()
        request.callID = 12345
        request.method = CatalogMethod.getProduct
        request.payload = try! get.serializedBytes()
        let requestBytes: [UInt8] = try! request.serializedBytes()
        var framed = ByteBufferAllocator().buffer(capacity: requestBytes.count + 4)
        framed.writeInteger(UInt32(requestBytes.count))
        framed.writeBytes(requestBytes)
        return Fixture(
            sku: product.sku,
            registry: registry,
            anonymous: CallContext(caller: .anonymous, clientAddress: "127.0.0.1", logger: Logger(label: "bench")),
            getProductPayload: ByteBuffer(bytes: request.payload),
            request: ByteBuffer(bytes: requestBytes),
            framedRequest: framed,
            productMessage: Catalog_V1_Product(product)
        )
    }
}

/// Only what warming the cache needs.
struct OneProductStore: ProductStore {
    var product: Product

    func loadProducts(limit: Int) async throws -> [Product] { [self.product] }
    func product(sku: UUID) async throws -> Product? { sku == self.product.sku ? self.product : nil }
    func listProducts(after: UUID?, brand: String?, limit: Int) async throws -> [Product] { [] }
    func insertProduct(_ product: Product, change: ProductChange, continueViewHistory: Bool) async throws -> UInt64 {
        1
    }
    func updateProduct(
        sku: UUID,
        _ update: @escaping @Sendable (Product) throws -> ProductUpdate
    ) async throws
        -> Product
    { self.product }
    func deleteProduct(
        sku: UUID,
        at time: Date,
        _ check: @escaping @Sendable (Product) throws -> ProductChange
    ) async throws
        -> Product
    { self.product }
    func addViews(_ counts: [UUID: UInt64], hour: Int64) async throws -> [UUID: UInt64] { counts }
    func isReachable() async -> Bool { true }
}
