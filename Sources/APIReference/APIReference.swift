import Codec
public import SwiftProtobuf

/// docs/API.md: every service, method, message, field and enum of `catalog.v1`, with the
/// comments of its `.proto` file and, for methods, the access and errors declared by the
/// options of `catalog/v1/options.proto`; then the standard gRPC services the daemon serves.
/// Written from the descriptor set alone, so the reference is exactly what reflection serves.
public struct APIReference {
    /// Packages documented element by element; the others are standard or imported.
    static let documentedPackagePrefix = "catalog."

    private let files: [Google_Protobuf_FileDescriptorProto]
    private let types: TypeIndex

    public init(descriptorSet: Google_Protobuf_FileDescriptorSet) {
        self.files = descriptorSet.file.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        self.types = TypeIndex(self.files, documented: { $0.package.hasPrefix(Self.documentedPackagePrefix) })
    }

    public func markdown() -> String {
        var page = MarkdownPage()
        page.line("# catalogd API reference")
        page.line()
        page.line(
            "Written by `scripts/generate-protos` from the comments and method options of [`Protos/`](../Protos) "
                + "(through `Sources/Codec/Generated/catalog.protoset`, which gRPC reflection serves); do not edit. "
                + "How calls travel, the framing and gRPC, and the rules every method shares are in "
                + "[PROTOCOL.md](PROTOCOL.md)."
        )
        page.line()
        page.line(
            "Besides the errors listed with each method, any call can get: `INVALID_ARGUMENT` for a request "
                + "that does not parse; `UNAUTHENTICATED` for an invalid, expired or revoked access token, and "
                + "for an anonymous call of an admins-only method; `DEADLINE_EXCEEDED` past its deadline; "
                + "`UNAVAILABLE` while the database is unreachable (calls answered from memory go on) or the "
                + "server is draining; `RESOURCE_EXHAUSTED` past a limit of PROTOCOL.md, section 10."
        )
        page.line()
        let documented = self.files.filter { $0.package.hasPrefix(Self.documentedPackagePrefix) }
        let standard = self.files.filter { $0.package.hasPrefix("grpc.") }

        page.line("## Services")
        page.line()
        for file in documented + standard {
            let comments = SourceComments(file)
            for (index, service) in file.service.enumerated() {
                let name = "\(file.package).\(service.name)"
                let summary = Self.singleLine(comments[[SourceComments.PathElement.fileService, Int32(index)]])
                page.line("- [\(name)](#\(MarkdownPage.anchor(name))): \(MarkdownPage.cell(summary))")
            }
        }
        page.line()
        for file in documented {
            self.services(of: file, into: &page, withMethodDetails: true)
        }

        page.line("## Messages")
        page.line()
        for file in documented {
            let comments = SourceComments(file)
            for (index, message) in file.messageType.enumerated() {
                self.message(
                    message,
                    prefix: file.package,
                    path: [SourceComments.PathElement.fileMessage, Int32(index)],
                    comments: comments,
                    file: file,
                    into: &page
                )
            }
        }

        page.line("## Enums")
        page.line()
        for file in documented {
            let comments = SourceComments(file)
            for (index, enumType) in file.enumType.enumerated() {
                self.enumeration(
                    enumType,
                    fullName: "\(file.package).\(enumType.name)",
                    path: [SourceComments.PathElement.fileEnum, Int32(index)],
                    comments: comments,
                    file: file,
                    into: &page
                )
            }
            self.nestedEnums(
                of: file.messageType,
                prefix: file.package,
                path: [SourceComments.PathElement.fileMessage],
                comments: comments,
                file: file,
                into: &page
            )
        }

        page.line("## Standard gRPC services")
        page.line()
        page.line(
            "Served on the gRPC listener only (PROTOCOL.md, section 11), to anyone; their messages are in the "
                + "files named, as the gRPC project publishes them."
        )
        page.line()
        for file in standard {
            self.services(of: file, into: &page, withMethodDetails: false)
        }
        return page.text
    }

    // MARK: Services

    private func services(
        of file: Google_Protobuf_FileDescriptorProto,
        into page: inout MarkdownPage,
        withMethodDetails: Bool
    ) {
        let comments = SourceComments(file)
        for (serviceIndex, service) in file.service.enumerated() {
            let servicePath = [SourceComments.PathElement.fileService, Int32(serviceIndex)]
            page.line("### \(file.package).\(service.name)")
            page.line()
            page.line("[`\(file.name)`](../Protos/\(file.name))")
            page.paragraph(comments[servicePath])
            if withMethodDetails {
                page.line("| method | access | summary |")
                page.line("| --- | --- | --- |")
                for (methodIndex, method) in service.method.enumerated() {
                    let path = servicePath + [SourceComments.PathElement.serviceMethod, Int32(methodIndex)]
                    let anchor = MarkdownPage.anchor("\(service.name).\(method.name)")
                    page.line(
                        "| [\(method.name)](#\(anchor)) | \(Self.access(of: method)) | "
                            + "\(MarkdownPage.cell(Self.firstSentence(comments[path]))) |"
                    )
                }
                page.line()
            }
            for (methodIndex, method) in service.method.enumerated() {
                let path = servicePath + [SourceComments.PathElement.serviceMethod, Int32(methodIndex)]
                if withMethodDetails {
                    self.methodDetails(method, service: service, comment: comments[path], into: &page)
                } else {
                    page.line("- `\(self.signature(of: method))`: \(Self.singleLine(comments[path]))")
                }
            }
            if !withMethodDetails { page.line() }
        }
    }

    private func methodDetails(
        _ method: Google_Protobuf_MethodDescriptorProto,
        service: Google_Protobuf_ServiceDescriptorProto,
        comment: String,
        into page: inout MarkdownPage
    ) {
        page.line("#### \(service.name).\(method.name)")
        page.line()
        page.line(
            "`rpc \(method.name)(`\(self.types.reference(method.inputType))`) returns (`"
                + "\(self.types.reference(method.outputType))`)`"
        )
        page.line()
        page.line("Access: \(Self.access(of: method)).")
        page.paragraph(comment)
        let errors = method.options.Catalog_V1_errors
        if !errors.isEmpty {
            page.line("| error | when |")
            page.line("| --- | --- |")
            for error in errors {
                page.line("| `\(error.code)` | \(MarkdownPage.cell(error.when)) |")
            }
            page.line()
        }
    }

    private func signature(of method: Google_Protobuf_MethodDescriptorProto) -> String {
        let input = (method.clientStreaming ? "stream " : "") + TypeIndex.shortName(method.inputType)
        let output = (method.serverStreaming ? "stream " : "") + TypeIndex.shortName(method.outputType)
        return "rpc \(method.name)(\(input)) returns (\(output))"
    }

    static func access(of method: Google_Protobuf_MethodDescriptorProto) -> String {
        switch method.options.Catalog_V1_access {
        case .anyone: "anyone"
        case .admin: "admins"
        case .unspecified, .UNRECOGNIZED: "not declared"
        }
    }

    // MARK: Messages and enums

    private func message(
        _ message: Google_Protobuf_DescriptorProto,
        prefix: String,
        path: [Int32],
        comments: SourceComments,
        file: Google_Protobuf_FileDescriptorProto,
        into page: inout MarkdownPage
    ) {
        if message.options.mapEntry { return }
        let fullName = "\(prefix).\(message.name)"
        page.line("### \(fullName)")
        page.line()
        page.line("[`\(file.name)`](../Protos/\(file.name))")
        page.paragraph(comments[path])
        if message.field.isEmpty {
            page.line("No fields.")
            page.line()
        } else {
            page.line("| field | number | type | description |")
            page.line("| --- | ---: | --- | --- |")
            for (index, field) in message.field.enumerated() {
                var description = Self.singleLine(
                    comments[path + [SourceComments.PathElement.messageField, Int32(index)]]
                )
                if field.hasOneofIndex, !field.proto3Optional {
                    let oneof = message.oneofDecl[Int(field.oneofIndex)].name
                    description = "One of `\(oneof)`." + (description.isEmpty ? "" : " " + description)
                }
                page.line(
                    "| `\(field.name)` | \(field.number) | \(self.types.fieldType(field)) | "
                        + "\(MarkdownPage.cell(description)) |"
                )
            }
            page.line()
        }
        for (index, nested) in message.nestedType.enumerated() {
            self.message(
                nested,
                prefix: fullName,
                path: path + [SourceComments.PathElement.messageNested, Int32(index)],
                comments: comments,
                file: file,
                into: &page
            )
        }
    }

    private func nestedEnums(
        of messages: [Google_Protobuf_DescriptorProto],
        prefix: String,
        path: [Int32],
        comments: SourceComments,
        file: Google_Protobuf_FileDescriptorProto,
        into page: inout MarkdownPage
    ) {
        for (messageIndex, message) in messages.enumerated() {
            let messagePath = path + [Int32(messageIndex)]
            let fullName = "\(prefix).\(message.name)"
            for (index, enumType) in message.enumType.enumerated() {
                self.enumeration(
                    enumType,
                    fullName: "\(fullName).\(enumType.name)",
                    path: messagePath + [SourceComments.PathElement.messageEnum, Int32(index)],
                    comments: comments,
                    file: file,
                    into: &page
                )
            }
            self.nestedEnums(
                of: message.nestedType,
                prefix: fullName,
                path: messagePath + [SourceComments.PathElement.messageNested],
                comments: comments,
                file: file,
                into: &page
            )
        }
    }

    private func enumeration(
        _ enumType: Google_Protobuf_EnumDescriptorProto,
        fullName: String,
        path: [Int32],
        comments: SourceComments,
        file: Google_Protobuf_FileDescriptorProto,
        into page: inout MarkdownPage
    ) {
        page.line("### \(fullName)")
        page.line()
        page.line("[`\(file.name)`](../Protos/\(file.name))")
        page.paragraph(comments[path])
        page.line("| value | number | description |")
        page.line("| --- | ---: | --- |")
        for (index, value) in enumType.value.enumerated() {
            let comment = Self.singleLine(comments[path + [SourceComments.PathElement.enumValue, Int32(index)]])
            page.line("| `\(value.name)` | \(value.number) | \(MarkdownPage.cell(comment)) |")
        }
        page.line()
    }

    // MARK: Text

    static func singleLine(_ comment: String) -> String {
        comment.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }.joined(separator: " ")
    }

    /// The comment up to its first full stop, for the services' method tables.
    static func firstSentence(_ comment: String) -> String {
        let text = Self.singleLine(comment)
        guard let stop = text.range(of: ". ") else { return text }
        return String(text[..<stop.lowerBound]) + "."
    }
}
