import Crypto
public import Domain
import Foundation
import JWTKit

/// Access tokens as HS256 JWTs (vapor/jwt-kit), and refresh tokens as 256 random bits
/// whose SHA-256 digest is what the store keeps.
///
/// The key collection holds one HS256 key and nothing else, so a token that names another
/// algorithm (`none`, RS256, HS512) finds no key and fails.
public final class JWTTokenCodec: TokenCodec {
    static let issuer = "catalogd"
    static let audience = "catalog-rpc"

    private let keys: JWTKeyCollection

    /// - Parameter key: at least 32 bytes; daemons sharing a database share it.
    public init(key: [UInt8]) async throws {
        guard key.count >= 32 else {
            throw TokenKeyError.tooShort(key.count)
        }
        self.keys = JWTKeyCollection()
        await self.keys.add(hmac: HMACKey(from: key), digestAlgorithm: .sha256)
    }

    public func signAccessToken(_ claims: AccessClaims) async throws -> String {
        try await self.keys.sign(AccessTokenPayload(claims))
    }

    public func verifyAccessToken(_ token: String) async throws -> AccessClaims {
        let payload: AccessTokenPayload
        do {
            payload = try await self.keys.verify(token, as: AccessTokenPayload.self)
        } catch {
            throw DomainError(.unauthenticated, "invalid access token")
        }
        guard let claims = payload.claims else {
            throw DomainError(.unauthenticated, "invalid access token")
        }
        return claims
    }

    public func makeRefreshToken() -> (token: String, digest: String) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return (token, self.digest(refreshToken: token))
    }

    /// 32 bytes in unpadded base64url: 43 characters of `A-Z a-z 0-9 - _`.
    public func isIssuedShape(refreshToken: String) -> Bool {
        refreshToken.utf8.count == 43
            && refreshToken.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    true
                default:
                    false
                }
            }
    }

    public func digest(refreshToken: String) -> String {
        SHA256.hash(data: Data(refreshToken.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The token signing key was refused.
public enum TokenKeyError: Error, CustomStringConvertible {
    case tooShort(Int)
    case invalidEnvironment
    case invalidFile(String)

    public var description: String {
        switch self {
        case .tooShort(let count): "the token key must be at least 32 bytes, not \(count)"
        case .invalidEnvironment: "CATALOG_TOKEN_KEY must be base64 of at least 32 random bytes"
        case .invalidFile(let path): "\(path) must hold base64 of at least 32 random bytes"
        }
    }
}

/// The JWT claims: the registered ones (sub, iat, exp, iss, aud, jti) and two of ours,
/// the login family (`fam`) and the admin's token version (`ver`).
struct AccessTokenPayload: JWTPayload {
    var sub: SubjectClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var iss: IssuerClaim
    var aud: AudienceClaim
    var jti: IDClaim
    var fam: String
    var ver: Int64

    init(_ claims: AccessClaims) {
        self.sub = SubjectClaim(value: claims.adminID.canonicalText)
        self.iat = IssuedAtClaim(value: claims.issueTime)
        self.exp = ExpirationClaim(value: claims.expireTime)
        self.iss = IssuerClaim(value: JWTTokenCodec.issuer)
        self.aud = AudienceClaim(value: [JWTTokenCodec.audience])
        self.jti = IDClaim(value: claims.tokenID.canonicalText)
        self.fam = claims.familyID.canonicalText
        self.ver = claims.tokenVersion
    }

    /// Issuer and audience are checked here; expiry against the service's clock, which tests move.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        guard self.iss.value == JWTTokenCodec.issuer else {
            throw JWTError.claimVerificationFailure(failedClaim: self.iss, reason: "unexpected issuer")
        }
        try self.aud.verifyIntendedAudience(includes: JWTTokenCodec.audience)
    }

    var claims: AccessClaims? {
        guard let admin = UUID(uuidString: self.sub.value), let family = UUID(uuidString: self.fam),
            let tokenID = UUID(uuidString: self.jti.value)
        else {
            return nil
        }
        return AccessClaims(
            adminID: admin,
            familyID: family,
            tokenVersion: self.ver,
            tokenID: tokenID,
            issueTime: self.iat.value,
            expireTime: self.exp.value
        )
    }
}
