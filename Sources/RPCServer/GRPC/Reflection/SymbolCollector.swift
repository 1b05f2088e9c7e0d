import SwiftProtobuf

/// Every symbol a file declares, by its fully qualified name (no leading dot), in the scopes
/// protobuf gives them: messages, their fields, oneofs, nested types and enums; enums and their
/// values (a value is named beside its enum, as in C++); services and their methods; extensions.
struct SymbolCollector {
    struct Extension {
        var extendee: String
        var number: Int32
        var file: String
    }

    private(set) var fileBySymbol: [String: String] = [:]
    private(set) var extensions: [Extension] = []

    mutating func add(_ file: Google_Protobuf_FileDescriptorProto) {
        let scope = file.package
        for message in file.messageType {
            self.add(message, scope: scope, file: file.name)
        }
        for enumType in file.enumType {
            self.add(enumType, scope: scope, file: file.name)
        }
        for service in file.service {
            let name = Self.qualified(service.name, in: scope)
            self.fileBySymbol[name] = file.name
            for method in service.method {
                self.fileBySymbol["\(name).\(method.name)"] = file.name
            }
        }
        self.add(extensions: file.extension, scope: scope, file: file.name)
    }

    private mutating func add(_ message: Google_Protobuf_DescriptorProto, scope: String, file: String) {
        let name = Self.qualified(message.name, in: scope)
        self.fileBySymbol[name] = file
        for field in message.field {
            self.fileBySymbol["\(name).\(field.name)"] = file
        }
        for oneof in message.oneofDecl {
            self.fileBySymbol["\(name).\(oneof.name)"] = file
        }
        for nested in message.nestedType {
            self.add(nested, scope: name, file: file)
        }
        for enumType in message.enumType {
            self.add(enumType, scope: name, file: file)
        }
        self.add(extensions: message.extension, scope: name, file: file)
    }

    private mutating func add(_ enumType: Google_Protobuf_EnumDescriptorProto, scope: String, file: String) {
        self.fileBySymbol[Self.qualified(enumType.name, in: scope)] = file
        for value in enumType.value {
            self.fileBySymbol[Self.qualified(value.name, in: scope)] = file
        }
    }

    private mutating func add(extensions: [Google_Protobuf_FieldDescriptorProto], scope: String, file: String) {
        for field in extensions {
            self.fileBySymbol[Self.qualified(field.name, in: scope)] = file
            self.extensions.append(
                Extension(extendee: String(field.extendee.drop { $0 == "." }), number: field.number, file: file)
            )
        }
    }

    private static func qualified(_ name: String, in scope: String) -> String {
        scope.isEmpty ? name : "\(scope).\(name)"
    }
}
