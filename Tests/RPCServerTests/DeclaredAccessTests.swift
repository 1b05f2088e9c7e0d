import Codec
import RPCServer
import Testing

/// The access each method declares in `Protos/` (`catalog/v1/options.proto`), which docs/API.md
/// and reflection show, is the access the daemon enforces.
@Suite struct DeclaredAccessTests {
    @Test func theRegistryEnforcesTheAccessEveryMethodDeclares() async throws {
        let files = try CatalogDescriptors.fileDescriptorSet().file.filter { $0.package == "catalog.v1" }
        var declared: [String: MethodAccess] = [:]
        for file in files {
            for service in file.service {
                for method in service.method {
                    let access: MethodAccess? =
                        switch method.options.Catalog_V1_access {
                        case .anyone: .anyone
                        case .admin: .admin
                        default: nil
                        }
                    declared["catalog.v1.\(service.name)/\(method.name)"] = access
                }
            }
        }
        let methods = declared
        try await withTestServer { server in
            #expect(Set(server.registry.methodNames) == Set(methods.keys), "registered and declared methods differ")
            for (method, access) in methods {
                #expect(server.registry[method]?.access == access, "\(method)")
            }
        }
    }
}
