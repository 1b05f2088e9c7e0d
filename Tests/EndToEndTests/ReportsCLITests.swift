import Foundation
import TestSupport
import Testing

/// `rpc-client reports` against a real daemon over TLS: the views the bench and anonymous reads
/// make land in every report, with the same numbers as the products' own counters.
@Suite struct ReportsCLITests {
    private static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    private static func count(_ value: Any?) -> Int { Int(value as? String ?? "") ?? -1 }

    @Test func benchViewsLandInTopSeriesAndBrandsAsTablesJSONAndCSV() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess(
                workingDirectory: directory,
                arguments: ["--view-flush-interval", "0.1"]
            )
            let environment = ["HOME": directory + "/home", "CATALOG_PASSWORD": try daemon.initialPassword]
            let options = ["--server", "127.0.0.1:\(daemon.port)", "--ca", daemon.caPath]
            @Sendable func client(_ arguments: [String]) async throws -> String {
                let run = try await runClient(options + arguments, in: directory, environment: environment)
                #expect(run.status == 0, "\(arguments): \(run.stderr)")
                return run.stdout
            }

            let anonymous = try await runClient(options + ["reports", "top"], in: directory, environment: environment)
            #expect(anonymous.status != 0)
            #expect(anonymous.stderr.contains("login"), "\(anonymous.stderr)")

            _ = try await client(["login", "--username", "admin"])
            let lamp =
                try Self.object(
                    try await client([
                        "--json", "products", "create", "--name", "Lamp, \"large\"", "--brand", "Acme", "--price", "1",
                    ])
                )["sku"] as? String ?? ""
            let bench = try Self.object(
                try await client([
                    // A light load (one connection, two in flight): the numbers matter here, not the rate.
                    "bench", "get-product", "--create", "3", "--warmup", "0", "--duration", "1", "--connections", "1",
                    "--in-flight", "2", "--json",
                ])
            )
            let benchCalls = bench["calls"] as? Int ?? 0
            #expect(benchCalls > 0)
            _ = try await client(["products", "get", "--anonymous", lamp])
            _ = try await client(["products", "get", "--anonymous", lamp])

            // The products' own counters, once every view is flushed.
            @Sendable func products() async throws -> [[String: Any]] {
                let page = try Self.object(try await client(["--json", "products", "list"]))
                return page["products"] as? [[String: Any]] ?? []
            }
            try await eventually("every view to be flushed") {
                try await products().map { Self.count($0["views"]) }.reduce(0, +) == benchCalls + 2
            }
            let listed = try await products()
            let views = Dictionary(
                uniqueKeysWithValues: listed.map { ($0["sku"] as? String ?? "", Self.count($0["views"])) }
            )
            let brands = Dictionary(
                uniqueKeysWithValues: listed.map { ($0["sku"] as? String ?? "", $0["brand"] as? String ?? "") }
            )
            #expect(views[lamp] ?? 0 >= 2)

            // top: JSON, every product with its counter's views, most first.
            let top = try Self.object(
                try await client(["--json", "reports", "top", "--since", "2h", "--limit", "1000"])
            )
            let ranked = top["products"] as? [[String: Any]] ?? []
            #expect(
                Dictionary(uniqueKeysWithValues: ranked.map { ($0["sku"] as? String ?? "", Self.count($0["views"])) })
                    == views.filter { $0.value > 0 }
            )
            #expect(ranked.map { Self.count($0["views"]) } == ranked.map { Self.count($0["views"]) }.sorted(by: >))
            #expect(top["start_time"] is String && top["end_time"] is String)

            // top: a table with the window, a header and a bar, and CSV a spreadsheet reads back.
            let table = try await client(["reports", "top", "--since", "2h"])
            let lines = table.split(separator: "\n")
            #expect(lines.first?.hasPrefix("views from ") == true, "\(table)")
            #expect(lines.dropFirst().first?.hasPrefix("#") == true && lines[1].contains("VIEWS"))
            #expect(table.contains(lamp) && table.contains("█") || table.contains("▏"))
            let csv = try await client(["reports", "top", "--since", "2h", "--csv"])
            let csvLines = csv.split(separator: "\n").map(String.init)
            #expect(csvLines.first == "sku,name,brand,views,previous_views,deleted")
            #expect(csvLines.contains("\(lamp),\"Lamp, \"\"large\"\"\",Acme,\(views[lamp] ?? 0),0,false"), "\(csv)")

            // series: the product's points add up to its lifetime total.
            let series = try Self.object(try await client(["--json", "reports", "series", lamp, "--since", "1d"]))
            let points = series["points"] as? [[String: Any]] ?? []
            #expect(Self.count(series["total_views"]) == views[lamp])
            #expect(points.map { Self.count($0["views"]) }.reduce(0, +) == views[lamp])
            #expect(points.count == 24 || points.count == 25, "one per hour of the widened day")
            #expect(series["granularity"] as? String == "GRANULARITY_HOUR")
            let daily = try Self.object(
                try await client(["--json", "reports", "series", lamp, "--by", "day", "--since", "7d"])
            )
            #expect(
                (daily["points"] as? [[String: Any]] ?? []).map { Self.count($0["views"]) }.reduce(0, +) == views[lamp]
            )
            let seriesTable = try await client(["reports", "series", lamp, "--since", "6h"])
            #expect(seriesTable.contains("lifetime views: \(views[lamp] ?? 0)"), "\(seriesTable)")
            #expect(seriesTable.contains("HOUR") && seriesTable.contains("VIEWS"))

            // brands: per brand, the sum of its products' counters.
            var byBrand: [String: Int] = [:]
            for (sku, count) in views where count > 0 {
                byBrand[brands[sku] ?? "", default: 0] += count
            }
            let brandReport = try Self.object(try await client(["--json", "reports", "brands", "--since", "1d"]))
            let reported = brandReport["brands"] as? [[String: Any]] ?? []
            #expect(
                Dictionary(
                    uniqueKeysWithValues: reported.map { ($0["brand"] as? String ?? "", Self.count($0["views"])) }
                ) == byBrand
            )
            let brandCSV = try await client([
                "reports", "brands", "--csv", "--from", "2020-01-01", "--to", "2020-01-02",
            ])
            #expect(brandCSV == "brand,views,previous_views\n", "an old window has no views")

            // Bad windows are the server's INVALID_ARGUMENT, or the CLI's usage error.
            let tooLong = try await runClient(
                options + ["reports", "series", lamp, "--since", "500d"],
                in: directory,
                environment: environment
            )
            #expect(tooLong.status != 0 && tooLong.stderr.contains("INVALID_ARGUMENT"), "\(tooLong.stderr)")
            let both = try await runClient(
                options + ["reports", "top", "--json", "--csv"],
                in: directory,
                environment: environment
            )
            #expect(both.status != 0 && both.stderr.contains("--json and --csv"))
            #expect(try await daemon.terminate() == 0)
        }
    }
}
