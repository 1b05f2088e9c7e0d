import Foundation
import TestSupport

/// The built `catalogd` and `rpc-client`, beside the test bundle in the build folder.
enum Executables {
    static let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent()

    static var catalogd: URL { self.directory.appendingPathComponent("catalogd") }
    static var rpcClient: URL { self.directory.appendingPathComponent("rpc-client") }
}
