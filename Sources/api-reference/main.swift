import APIReference
import Codec
import Foundation
import SwiftProtobuf

// Prints docs/API.md for the descriptor set at the path given (scripts/generate-protos).
let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write("usage: api-reference PATH.protoset > docs/API.md\n".data(using: .utf8)!)
    exit(2)
}
let set = try Google_Protobuf_FileDescriptorSet(
    serializedBytes: try Data(contentsOf: URL(fileURLWithPath: arguments[1])),
    extensions: Catalog_V1_Options_Extensions
)
print(APIReference(descriptorSet: set).markdown(), terminator: "")
