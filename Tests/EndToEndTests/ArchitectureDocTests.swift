import Foundation
import Testing

/// Issue 28: ARCHITECTURE.md's module table says what each module depends on; Package.swift is
/// what the compiler holds it to. This test fails when they disagree, so the map stays true.
@Suite struct ArchitectureDocTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theModuleTableNamesEveryModuleAndItsDependenciesAsPackageSwiftDoes() throws {
        let package = try PackageTargets(
            String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        )
        let table = try ModuleTable(
            String(contentsOf: Self.root.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
        )
        #expect(Set(table.dependencies.keys) == Set(package.dependencies.keys), "every module has its row")
        for (module, declared) in package.dependencies.sorted(by: { $0.key < $1.key }) {
            guard let written = table.dependencies[module] else { continue }
            // The table also names libraries from other packages; of ours, exactly the declared.
            #expect(written.intersection(package.dependencies.keys) == declared, "\(module)")
        }
    }
}

/// Package.swift's own targets (not tests or their support, not system libraries) and the targets each depends on.
private struct PackageTargets {
    var dependencies: [String: Set<String>] = [:]

    init(_ text: String) throws {
        let code = text.split(separator: "\n").map { line in
            line.range(of: "//").map { String(line[..<$0.lowerBound]) } ?? String(line)
        }.joined(separator: "\n")
        let target = try Regex(#"\.(target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)""#)
        let matches = code.matches(of: target)
        for (index, match) in matches.enumerated() {
            guard let kind = match.output[1].substring, kind == "target" || kind == "executableTarget",
                let name = match.output[2].substring.map(String.init)
            else { continue }
            let end = index + 1 < matches.count ? matches[index + 1].range.lowerBound : code.endIndex
            var body = String(code[match.range.upperBound..<end])
            // Tests' shared helpers (TestSupport) are a target too, but not a module of the product.
            guard !body.contains(#"path: "Tests/"#) else { continue }
            body = body.replacing(try Regex(#"\.product\([^)]*\)"#), with: "")
            body = body.replacing(try Regex(#"(path|exclude|resources|pkgConfig):[^\n]*"#), with: "")
            self.dependencies[name] = Set(
                body.matches(of: try Regex(#""([^"]+)""#)).compactMap { $0.output[1].substring.map(String.init) }
            )
        }
        // A dependency on a system library (CArgon2, CCurl) is the owner's detail, as the table says it.
        let systemLibraries = Set(
            matches.filter { $0.output[1].substring == "systemLibrary" }.compactMap {
                $0.output[2].substring.map(String.init)
            }
        )
        self.dependencies = self.dependencies.mapValues { $0.subtracting(systemLibraries) }
    }
}

/// The `| module | owns | depends on |` table: each row's modules and the names it depends on.
private struct ModuleTable {
    var dependencies: [String: Set<String>] = [:]

    init(_ text: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let header = try #require(lines.firstIndex { $0.hasPrefix("| module | owns | depends on |") })
        for line in lines[(header + 2)...] {
            guard line.hasPrefix("|") else { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let module = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let names = cells[cells.count - 2].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            self.dependencies[module] = Set(names)
        }
    }
}
