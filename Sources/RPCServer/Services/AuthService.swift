import Codec
public import Domain

extension MethodRegistry {
    /// Registers AuthService: callable anonymously.
    public mutating func registerAuthService(_ identity: IdentityService) {
        self.register(
            CatalogMethod.login,
            .asynchronous(Catalog_V1_LoginRequest.self, access: .anyone) { request, context in
                Catalog_V1_TokenPair(
                    try await identity.login(
                        username: request.username,
                        password: request.password,
                        clientAddress: context.clientAddress
                    )
                )
            }
        )
        self.register(
            CatalogMethod.refresh,
            .asynchronous(Catalog_V1_RefreshRequest.self, access: .anyone) { request, context in
                Catalog_V1_TokenPair(
                    try await identity.refresh(
                        refreshToken: request.refreshToken,
                        clientAddress: context.clientAddress
                    )
                )
            }
        )
        self.register(
            CatalogMethod.logout,
            .asynchronous(Catalog_V1_LogoutRequest.self, access: .anyone) { request, context in
                try await identity.logout(refreshToken: request.refreshToken, clientAddress: context.clientAddress)
                return Catalog_V1_LogoutResponse()
            }
        )
    }
}
