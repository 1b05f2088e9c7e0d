import Codec
import Foundation
import SwiftProtobuf

/// A response printable as protobuf's JSON mapping with the .proto field names, every field
/// present, e.g. `{"next_page_token": "", "products": []}`.
public protocol ProtoJSONConvertible {
    func protoJSON() throws -> String
}

/// SwiftProtobuf's JSON omits fields at their default value, as the mapping allows; scripts
/// read better with every field present, so the defaults are filled back in here.
enum ProtoJSON {
    static var productDefaults: [String: Any] {
        [
            "sku": "", "name": "", "brand": "", "price_cents": "0", "currency": "", "views": "0", "version": "0",
        ]
    }

    static var adminDefaults: [String: Any] {
        ["id": "", "username": "", "email": "", "is_superuser": false]
    }

    static func render(
        _ message: some SwiftProtobuf.Message,
        defaults: [String: Any],
        nested: [String: [String: Any]] = [:]
    )
        throws -> String
    {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        let encoded = try message.jsonUTF8Data(options: options)
        var object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any] ?? [:]
        Self.fill(&object, with: defaults)
        for (key, nestedDefaults) in nested {
            guard let items = object[key] as? [[String: Any]] else { continue }
            object[key] = items.map { item in
                var item = item
                Self.fill(&item, with: nestedDefaults)
                return item
            }
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    private static func fill(_ object: inout [String: Any], with defaults: [String: Any]) {
        for (key, value) in defaults where object[key] == nil {
            object[key] = value
        }
    }
}

extension Admin: ProtoJSONConvertible {
    public func protoJSON() throws -> String {
        try ProtoJSON.render(self.wire, defaults: ProtoJSON.adminDefaults)
    }
}

extension AdminPage: ProtoJSONConvertible {
    public func protoJSON() throws -> String {
        var wire = Catalog_V1_ListAdminsResponse()
        wire.admins = self.admins.map(\.wire)
        wire.nextPageToken = self.nextPageToken
        return try ProtoJSON.render(
            wire,
            defaults: ["admins": [Any](), "next_page_token": ""],
            nested: ["admins": ProtoJSON.adminDefaults]
        )
    }
}

extension Product: ProtoJSONConvertible {
    public func protoJSON() throws -> String {
        try ProtoJSON.render(self.wire, defaults: ProtoJSON.productDefaults)
    }
}

extension ProductPage: ProtoJSONConvertible {
    public func protoJSON() throws -> String {
        var wire = Catalog_V1_ListProductsResponse()
        wire.products = self.products.map(\.wire)
        wire.nextPageToken = self.nextPageToken
        return try ProtoJSON.render(
            wire,
            defaults: ["products": [Any](), "next_page_token": ""],
            nested: ["products": ProtoJSON.productDefaults]
        )
    }
}

extension ServingStatus: ProtoJSONConvertible {
    public func protoJSON() throws -> String {
        var wire = Catalog_V1_HealthCheckResponse()
        wire.status = Catalog_V1_HealthCheckResponse.ServingStatus(rawValue: self.wireValue) ?? .unknown
        return try ProtoJSON.render(wire, defaults: ["status": "UNKNOWN"])
    }

    private var wireValue: Int {
        switch self {
        case .unknown: 0
        case .serving: 1
        case .notServing: 2
        }
    }
}
