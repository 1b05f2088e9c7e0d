import Credentials
import Domain
import Foundation
import Testing

@Suite struct JWTTokenCodecTests {
    private let claims = AccessClaims(
        adminID: UUID(),
        familyID: UUID(),
        tokenVersion: 3,
        tokenID: UUID(),
        issueTime: Date(timeIntervalSince1970: 1_800_000_000),
        expireTime: Date(timeIntervalSince1970: 1_800_000_900)
    )

    private func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test func signedClaimsVerify() async throws {
        let codec = try await JWTTokenCodec(key: Array(repeating: 1, count: 32))
        let token = try await codec.signAccessToken(self.claims)
        #expect(token.split(separator: ".").count == 3)
        #expect(try await codec.verifyAccessToken(token) == self.claims)
    }

    @Test func tokensOfAnotherKeyAlgNoneAndTamperingFail() async throws {
        let codec = try await JWTTokenCodec(key: Array(repeating: 1, count: 32))
        let other = try await JWTTokenCodec(key: Array(repeating: 2, count: 32))
        let foreign = try await other.signAccessToken(self.claims)
        await #expect(throws: DomainError.self) { _ = try await codec.verifyAccessToken(foreign) }

        let genuine = try await codec.signAccessToken(self.claims)
        let parts = genuine.split(separator: ".").map(String.init)
        let unsigned = self.base64URL(#"{"alg":"none","typ":"JWT"}"#) + "." + parts[1] + "."
        await #expect(throws: DomainError.self) { _ = try await codec.verifyAccessToken(unsigned) }

        var forgedClaims = self.claims
        forgedClaims.tokenVersion = 99
        let forgedPayload = try await other.signAccessToken(forgedClaims).split(separator: ".")[1]
        let spliced = parts[0] + "." + forgedPayload + "." + parts[2]
        await #expect(throws: DomainError.self) { _ = try await codec.verifyAccessToken(spliced) }
        await #expect(throws: DomainError.self) { _ = try await codec.verifyAccessToken("garbage") }
    }

    @Test func shortKeysAreRefused() async throws {
        await #expect(throws: TokenKeyError.self) { _ = try await JWTTokenCodec(key: Array(repeating: 1, count: 16)) }
    }

    @Test func refreshTokensAreRandomAndOnlyTheirDigestIsKept() async throws {
        let codec = try await JWTTokenCodec(key: Array(repeating: 1, count: 32))
        let first = codec.makeRefreshToken()
        let second = codec.makeRefreshToken()
        #expect(first.token != second.token)
        #expect(first.token.count == 43, "256 bits in unpadded base64url")
        #expect(first.digest == codec.digest(refreshToken: first.token))
        #expect(first.digest.count == 64)
        #expect(!first.digest.contains(first.token))
    }
}
