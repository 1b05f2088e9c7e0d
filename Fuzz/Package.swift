// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets for the readers of bytes a stranger sends (docs/RELIABILITY.md).
/// A package of its own, built with `-sanitize=fuzzer,address` by `scripts/fuzz`; a plain
/// build of the project never sees it.
let package = Package(
    name: "catalogd-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "catalogd", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(name: "FuzzFrameDecoder", dependencies: .fuzzed),
        .executableTarget(name: "FuzzRequestEnvelope", dependencies: .fuzzed),
        .executableTarget(name: "FuzzGetProductRequestFields", dependencies: .fuzzed),
        .executableTarget(name: "FuzzClientHelloALPN", dependencies: .fuzzed),
        .executableTarget(name: "FuzzGRPCMessages", dependencies: .fuzzed),
    ]
)

extension Array where Element == Target.Dependency {
    static var fuzzed: [Target.Dependency] {
        [
            "FuzzSupport",
            .product(name: "Codec", package: "catalogd"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]
    }
}
