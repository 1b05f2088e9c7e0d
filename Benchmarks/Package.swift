// swift-tools-version:6.1
import PackageDescription

/// The ceiling GetProduct is measured against, the machine's stall floor, and
/// microbenchmarks of the hot path.
/// A package of its own, so that `make test` never builds ordo-one/benchmark.
let package = Package(
    name: "catalogd-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "catalogd", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    ],
    targets: [
        // The product the ceilings answer with, and their flags.
        .target(
            name: "BenchFixtures",
            dependencies: [
                .product(name: "Codec", package: "catalogd"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // A TLS server that speaks the framing and answers every Request with one fixed
        // Response the size of a GetProduct answer, as fast as the framing allows.
        .executableTarget(
            name: "EchoServer",
            dependencies: [
                "BenchFixtures",
                .product(name: "Codec", package: "catalogd"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The fastest closed-loop client of the framing: the yardstick for `rpc-client bench`.
        .executableTarget(
            name: "MinimalGenerator",
            dependencies: [
                "BenchFixtures",
                .product(name: "Codec", package: "catalogd"),
                // ProcessCPUTime and the GetProduct request: both generators measure alike.
                .product(name: "LoadGenerator", package: "catalogd"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // The gRPC door's ceiling: swift-nio-http2's NIOHTTP2Handler and a handler answering
        // every stream with fixed bytes.
        .executableTarget(
            name: "HTTP2Ceiling",
            dependencies: [
                "BenchFixtures",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),
        // Spins a thread per core and reports how long the machine stopped running them:
        // the floor under any latency measured here.
        .executableTarget(name: "StallProbe"),
        // Builds a data set of view buckets in SQLite or PostgreSQL and times the flush and the
        // reports on it (docs/PERFORMANCE.md, "View reports").
        .executableTarget(
            name: "ViewReportBench",
            dependencies: [
                .product(name: "Domain", package: "catalogd"),
                .product(name: "Storage", package: "catalogd"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "HotPathBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Codec", package: "catalogd"),
                .product(name: "Domain", package: "catalogd"),
                .product(name: "RPCServer", package: "catalogd"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/HotPathBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
