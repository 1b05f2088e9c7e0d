import SwiftProtobuf

/// Every message and enum of the descriptor set by its fully qualified name (with the leading
/// dot, as field descriptors name them), to render field types and link the documented ones.
struct TypeIndex {
    private var messages: [String: Google_Protobuf_DescriptorProto] = [:]
    private var documented: Set<String> = []

    init(
        _ files: [Google_Protobuf_FileDescriptorProto],
        documented isDocumented: (Google_Protobuf_FileDescriptorProto) -> Bool
    ) {
        for file in files {
            let prefix = file.package.isEmpty ? "" : ".\(file.package)"
            self.add(file.messageType, enums: file.enumType, prefix: prefix, documented: isDocumented(file))
        }
    }

    private mutating func add(
        _ messages: [Google_Protobuf_DescriptorProto],
        enums: [Google_Protobuf_EnumDescriptorProto],
        prefix: String,
        documented: Bool
    ) {
        for enumType in enums where documented {
            self.documented.insert("\(prefix).\(enumType.name)")
        }
        for message in messages {
            let name = "\(prefix).\(message.name)"
            self.messages[name] = message
            if documented, !message.options.mapEntry { self.documented.insert(name) }
            self.add(message.nestedType, enums: message.enumType, prefix: name, documented: documented)
        }
    }

    /// `.catalog.v1.Product` as `catalog.v1.Product`, linked when it is documented on the page.
    func reference(_ qualifiedName: String) -> String {
        let name = String(qualifiedName.drop { $0 == "." })
        return self.documented.contains(qualifiedName) ? "[\(name)](#\(MarkdownPage.anchor(name)))" : "`\(name)`"
    }

    /// The last component of a qualified name: `.catalog.v1.Product` as `Product`.
    static func shortName(_ qualifiedName: String) -> String {
        String(qualifiedName.split(separator: ".").last ?? Substring(qualifiedName))
    }

    /// A field's type as a `.proto` file writes it, with `repeated`, `optional` and `map<K, V>`.
    func fieldType(_ field: Google_Protobuf_FieldDescriptorProto) -> String {
        if field.label == .repeated, field.type == .message, let entry = self.messages[field.typeName],
            entry.options.mapEntry, entry.field.count == 2
        {
            return "map<\(self.valueType(entry.field[0])), \(self.valueType(entry.field[1]))>"
        }
        let type = self.valueType(field)
        if field.label == .repeated { return "repeated \(type)" }
        if field.proto3Optional { return "optional \(type)" }
        return type
    }

    private func valueType(_ field: Google_Protobuf_FieldDescriptorProto) -> String {
        switch field.type {
        case .message, .enum, .group: self.reference(field.typeName)
        case .double: "double"
        case .float: "float"
        case .int64: "int64"
        case .uint64: "uint64"
        case .int32: "int32"
        case .fixed64: "fixed64"
        case .fixed32: "fixed32"
        case .bool: "bool"
        case .string: "string"
        case .bytes: "bytes"
        case .uint32: "uint32"
        case .sfixed32: "sfixed32"
        case .sfixed64: "sfixed64"
        case .sint32: "sint32"
        case .sint64: "sint64"
        }
    }
}
