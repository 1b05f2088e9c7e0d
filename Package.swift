// swift-tools-version:6.1
import PackageDescription

/// Every target builds in the Swift 6 language mode (the tools-version default),
/// with strict memory safety checks left at their defaults.
let package = Package(
    name: "catalogd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "catalogd", targets: ["catalogd"]),
        .executable(name: "rpc-client", targets: ["rpc-client"]),
        .library(name: "RPCClient", targets: ["RPCClient"]),
        // For the benchmarks in Benchmarks/, a package of their own.
        .library(name: "Codec", targets: ["Codec"]),
        .library(name: "LoadGenerator", targets: ["LoadGenerator"]),
        .library(name: "Domain", targets: ["Domain"]),
        .library(name: "RPCServer", targets: ["RPCServer"]),
        .library(name: "Storage", targets: ["Storage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "Codec",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Generated/PROTOS.sha256"],
            resources: [.embedInCode("Generated/catalog.protoset")]
        ),
        // docs/API.md from the descriptor set, for scripts/generate-protos (and its staleness test).
        .target(
            name: "APIReference",
            dependencies: ["Codec", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .executableTarget(name: "api-reference", dependencies: ["APIReference", "Codec"]),
        .target(name: "Domain"),
        // What every listener shares: telling where it is bound once it is.
        .target(name: "Listening", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        // What an operator sees: metrics (swift-metrics into swift-prometheus, and the call
        // metrics' own shards) and the HTTP listener for them and the probes.
        .target(
            name: "Telemetry",
            dependencies: [
                "Domain",
                "Listening",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Storage",
            dependencies: [
                "Domain",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Debian's libargon2 (libargon2-dev), the reference Argon2 implementation.
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .target(
            name: "Credentials",
            dependencies: [
                "CArgon2",
                "Domain",
                "HostSupport",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Debian's libcurl (libcurl4-openssl-dev), the SMTP client.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(
            name: "Notifications",
            dependencies: [
                "CCurl",
                "Domain",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "RPCServer",
            dependencies: [
                "Codec",
                "Domain",
                "Listening",
                "Telemetry",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The gRPC listener: HTTP/2 at the frame level (GRPCConnectionHandler).
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),
        .target(
            name: "RPCClient",
            dependencies: [
                "Codec",
                "HostSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                // The standard gRPC health check: grpc-swift's client, as any gRPC caller.
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ]
        ),
        // The load generator behind `rpc-client bench`: connections, schedules, latencies.
        .target(
            name: "LoadGenerator",
            dependencies: [
                "Codec",
                "RPCClient",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // What processes on a host share: secret files, password prompts.
        .target(name: "HostSupport"),
        // The daemon's services over its parts, in the order they must run: what `catalogd serve`
        // runs once it has parsed its flags and opened the store.
        .target(
            name: "Daemon",
            dependencies: [
                "Credentials",
                "Domain",
                "HostSupport",
                "Notifications",
                "RPCServer",
                "Storage",
                "Telemetry",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "catalogd",
            dependencies: [
                "Daemon",
                "Domain",
                "HostSupport",
                "Listening",
                "Notifications",
                "RPCServer",
                "Storage",
                "Telemetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "rpc-client",
            dependencies: [
                "HostSupport",
                "Codec",
                "LoadGenerator",
                "RPCClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // `health --grpc` names grpc-swift's status codes.
                .product(name: "GRPCCore", package: "grpc-swift-2"),
            ]
        ),
        .testTarget(
            name: "CodecTests",
            dependencies: [
                "Codec",
                "APIReference",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Bounded waits and gates shared by the tests that run servers and processes.
        .target(
            name: "TestSupport",
            dependencies: [
                "Credentials",
                "Domain",
                "Storage",
                "Telemetry",
                .product(name: "Logging", package: "swift-log"),
                // grpc-swift's own client, for the gRPC listener.
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "DomainTests", dependencies: ["Domain"]),
        .testTarget(name: "HostSupportTests", dependencies: ["HostSupport"]),
        .testTarget(
            name: "LoadGeneratorTests",
            dependencies: [
                "Codec",
                "LoadGenerator",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Credentials",
                "Daemon",
                "Domain",
                "Storage",
                "Telemetry",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "TelemetryTests",
            dependencies: [
                "Listening",
                "Telemetry",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Domain",
                "Storage",
                "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "CredentialsTests", dependencies: ["Credentials", "Domain", "TestSupport"]),
        .testTarget(
            name: "NotificationsTests",
            dependencies: [
                "Domain",
                "Notifications",
                "Storage",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "RPCServerTests",
            dependencies: [
                "Codec",
                "Credentials",
                "Domain",
                "Storage",
                "Listening",
                "RPCServer",
                "RPCClient",
                "Telemetry",
                "TestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Codec",
                "catalogd",
                "rpc-client",
                "Domain",
                "Storage",
                "RPCClient",
                "TestSupport",
                // A raw TLS client that misbehaves as an attacker's would.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            ]
        ),
    ]
)

// Imports are internal unless written `public import` (SE-0409): a module's public declarations
// can show another module's types only where it says so, so each module's surface is what the
// others need of it.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("InternalImportsByDefault")]
}
