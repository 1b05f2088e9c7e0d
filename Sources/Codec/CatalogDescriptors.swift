public import SwiftProtobuf

/// The descriptors of every file in `Protos/` and of the files they import, with their
/// comments: `Generated/catalog.protoset`, written by scripts/generate-protos and embedded in
/// the binary by the package (`.embedInCode`), so no file has to be found at run time.
/// gRPC reflection serves it; docs/API.md is written from it.
public enum CatalogDescriptors {
    /// The serialized `google.protobuf.FileDescriptorSet`.
    static var serializedSet: [UInt8] { PackageResources.catalog_protoset }

    /// The set, with the method options of `catalog/v1/options.proto` readable as extensions.
    public static func fileDescriptorSet() throws -> Google_Protobuf_FileDescriptorSet {
        try Google_Protobuf_FileDescriptorSet(
            serializedBytes: Self.serializedSet,
            extensions: Catalog_V1_Options_Extensions
        )
    }
}
