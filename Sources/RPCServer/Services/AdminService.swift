import Codec
public import Domain

extension MethodRegistry {
    /// Registers AdminService: every method admin-only.
    public mutating func registerAdminService(_ identity: IdentityService) {
        self.register(
            CatalogMethod.listAdmins,
            .asynchronous(Catalog_V1_ListAdminsRequest.self, access: .admin) { request, _ in
                let page = try await identity.listAdmins(pageSize: request.pageSize, pageToken: request.pageToken)
                var response = Catalog_V1_ListAdminsResponse()
                response.admins = page.items.map(Catalog_V1_Admin.init)
                response.nextPageToken = page.nextPageToken
                return response
            }
        )
        self.register(
            CatalogMethod.getAdmin,
            .asynchronous(Catalog_V1_GetAdminRequest.self, access: .admin) { request, _ in
                Catalog_V1_Admin(try await identity.admin(id: try AdminValidation.id(request.id)))
            }
        )
        self.register(
            CatalogMethod.createAdmin,
            .asynchronous(Catalog_V1_CreateAdminRequest.self, access: .admin) { request, context in
                let input = NewAdmin(username: request.username, password: request.password, email: request.email)
                return Catalog_V1_Admin(try await identity.createAdmin(input, by: try context.admin()))
            }
        )
        self.register(
            CatalogMethod.updateAdmin,
            .asynchronous(Catalog_V1_UpdateAdminRequest.self, access: .admin) { request, context in
                let changes = AdminChanges(
                    username: request.hasUsername ? request.username : nil,
                    password: request.hasPassword ? request.password : nil,
                    email: request.hasEmail ? request.email : nil,
                    currentPassword: request.currentPassword
                )
                let id = try AdminValidation.id(request.id)
                return Catalog_V1_Admin(
                    try await identity.updateAdmin(
                        id: id,
                        changes: changes,
                        by: try context.admin(),
                        clientAddress: context.clientAddress
                    )
                )
            }
        )
        self.register(
            CatalogMethod.deleteAdmin,
            .asynchronous(Catalog_V1_DeleteAdminRequest.self, access: .admin) { request, context in
                try await identity.deleteAdmin(id: try AdminValidation.id(request.id), by: try context.admin())
                return Catalog_V1_DeleteAdminResponse()
            }
        )
    }
}
