import Codec

extension CatalogClient {
    // MARK: AuthService

    /// Logs in; pass the pair's access token to `setAccessToken` for admin calls.
    public func login(username: String, password: String, timeout: Duration? = nil) async throws -> TokenPair {
        var request = Catalog_V1_LoginRequest()
        request.username = username
        request.password = password
        return TokenPair(
            try await self.call(CatalogMethod.login, request, returning: Catalog_V1_TokenPair.self, timeout: timeout)
        )
    }

    /// Trades a refresh token for a new pair; the old refresh token stops working.
    public func refresh(refreshToken: String, timeout: Duration? = nil) async throws -> TokenPair {
        var request = Catalog_V1_RefreshRequest()
        request.refreshToken = refreshToken
        return TokenPair(
            try await self.call(CatalogMethod.refresh, request, returning: Catalog_V1_TokenPair.self, timeout: timeout)
        )
    }

    /// Ends the login the refresh token belongs to.
    public func logout(refreshToken: String, timeout: Duration? = nil) async throws {
        var request = Catalog_V1_LogoutRequest()
        request.refreshToken = refreshToken
        _ = try await self.call(
            CatalogMethod.logout,
            request,
            returning: Catalog_V1_LogoutResponse.self,
            timeout: timeout
        )
    }

    // MARK: AdminService

    public func listAdmins(
        pageSize: Int32 = 0,
        pageToken: String = "",
        timeout: Duration? = nil
    ) async throws -> AdminPage {
        var request = Catalog_V1_ListAdminsRequest()
        request.pageSize = pageSize
        request.pageToken = pageToken
        let response = try await self.call(
            CatalogMethod.listAdmins,
            request,
            returning: Catalog_V1_ListAdminsResponse.self,
            timeout: timeout
        )
        return AdminPage(admins: response.admins.map(Admin.init), nextPageToken: response.nextPageToken)
    }

    public func getAdmin(id: String, timeout: Duration? = nil) async throws -> Admin {
        var request = Catalog_V1_GetAdminRequest()
        request.id = id
        return Admin(
            try await self.call(CatalogMethod.getAdmin, request, returning: Catalog_V1_Admin.self, timeout: timeout)
        )
    }

    public func createAdmin(
        username: String,
        password: String,
        email: String = "",
        timeout: Duration? = nil
    ) async throws
        -> Admin
    {
        var request = Catalog_V1_CreateAdminRequest()
        request.username = username
        request.password = password
        request.email = email
        return Admin(
            try await self.call(CatalogMethod.createAdmin, request, returning: Catalog_V1_Admin.self, timeout: timeout)
        )
    }

    /// Changes an admin. Changing one's own password needs `currentPassword`.
    public func updateAdmin(
        id: String,
        username: String? = nil,
        password: String? = nil,
        email: String? = nil,
        currentPassword: String? = nil,
        timeout: Duration? = nil
    ) async throws -> Admin {
        var request = Catalog_V1_UpdateAdminRequest()
        request.id = id
        if let username { request.username = username }
        if let password { request.password = password }
        if let email { request.email = email }
        if let currentPassword { request.currentPassword = currentPassword }
        return Admin(
            try await self.call(CatalogMethod.updateAdmin, request, returning: Catalog_V1_Admin.self, timeout: timeout)
        )
    }

    public func deleteAdmin(id: String, timeout: Duration? = nil) async throws {
        var request = Catalog_V1_DeleteAdminRequest()
        request.id = id
        _ = try await self.call(
            CatalogMethod.deleteAdmin,
            request,
            returning: Catalog_V1_DeleteAdminResponse.self,
            timeout: timeout
        )
    }
}
