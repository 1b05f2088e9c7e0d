public import ArgumentParser
import Foundation
import RPCClient

struct ReportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reports",
        abstract: "What anonymous readers looked at, and when (admins).",
        discussion: """
            Windows are UTC and widened by the server to whole hours (or days); the first line
            says the window used. Tables by default, --json (protobuf JSON) or --csv.
            """,
        subcommands: [Top.self, Series.self, Brands.self]
    )

    /// Accepted before the subcommand too (see `RPCClientCommand.connection`).
    @OptionGroup var connection: ConnectionOptions

    struct Top: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The most viewed products of a window (default: the last 24h), with the window before."
        )

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var window: ReportWindowOptions

        @Option(help: "Only products of exactly this brand.")
        var brand = ""

        @Option(help: "Products to show, 1 to 1000 (default 10).")
        var limit: Int32 = 0

        func validate() throws {
            try checkFormats(self.connection, self.window)
        }

        func run() async throws {
            let (start, end) = self.window.window(defaultSince: "24h")
            try await self.connection.withClient(as: .admin) { client in
                let report = try await client.topProducts(start: start, end: end, limit: self.limit, brand: self.brand)
                if self.connection.json {
                    return try Output.printJSON(report)
                }
                if self.window.csv {
                    print(ReportRendering.csvLine(["sku", "name", "brand", "views", "previous_views", "deleted"]))
                    for product in report.products {
                        print(
                            ReportRendering.csvLine([
                                product.sku, product.name, product.brand, "\(product.views)",
                                "\(product.previousViews)", "\(product.deleted)",
                            ])
                        )
                    }
                    return
                }
                printWindow(report.start, report.end)
                let most = report.products.first?.views ?? 0
                Output.printTable(
                    header: ["#", "SKU", "NAME", "BRAND", "VIEWS", "BEFORE", "CHANGE", ""],
                    rows: report.products.enumerated().map { index, product in
                        [
                            "\(index + 1)", product.sku, product.name + (product.deleted ? " (deleted)" : ""),
                            product.brand, "\(product.views)", "\(product.previousViews)",
                            ReportRendering.change(product.views, from: product.previousViews),
                            ReportRendering.bar(product.views, of: most),
                        ]
                    }
                )
            }
        }
    }

    struct Series: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One product's views per hour or day (default: the last 14d, hourly)."
        )

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The product's sku (a deleted product's too).")
        var sku: String

        @Option(help: "Bucket size: hour or day.")
        var by: SeriesGranularity = .hour

        @OptionGroup var window: ReportWindowOptions

        func validate() throws {
            try checkFormats(self.connection, self.window)
        }

        func run() async throws {
            let (start, end) = self.window.window(defaultSince: "14d")
            try await self.connection.withClient(as: .admin) { client in
                let series = try await client.productViewSeries(
                    sku: self.sku,
                    start: start,
                    end: end,
                    granularity: self.by
                )
                if self.connection.json {
                    return try Output.printJSON(series)
                }
                if self.window.csv {
                    print(ReportRendering.csvLine(["start_time", "views"]))
                    for point in series.points {
                        print(ReportRendering.csvLine([ReportRendering.time(point.start), "\(point.views)"]))
                    }
                    return
                }
                let views = series.points.map(\.views)
                print(
                    "\(series.name) (\(series.brand))\(series.deleted ? ", deleted" : "")  lifetime views: \(series.totalViews)"
                )
                printWindow(series.start, series.end, granularity: series.granularity)
                print("\(ReportRendering.sparkline(views))  \(views.reduce(0, +)) views, peak \(views.max() ?? 0)")
                let most = views.max() ?? 0
                Output.printTable(
                    header: [series.granularity == .day ? "DAY" : "HOUR", "VIEWS", ""],
                    rows: series.points.map { point in
                        [
                            ReportRendering.time(point.start), "\(point.views)",
                            ReportRendering.bar(point.views, of: most),
                        ]
                    }
                )
            }
        }
    }

    struct Brands: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Views per brand in a window (default: the last 7d) and the window before."
        )

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var window: ReportWindowOptions

        func validate() throws {
            try checkFormats(self.connection, self.window)
        }

        func run() async throws {
            let (start, end) = self.window.window(defaultSince: "7d")
            try await self.connection.withClient(as: .admin) { client in
                let report = try await client.brandViews(start: start, end: end)
                if self.connection.json {
                    return try Output.printJSON(report)
                }
                if self.window.csv {
                    print(ReportRendering.csvLine(["brand", "views", "previous_views"]))
                    for brand in report.brands {
                        print(ReportRendering.csvLine([brand.brand, "\(brand.views)", "\(brand.previousViews)"]))
                    }
                    return
                }
                printWindow(report.start, report.end)
                let most = report.brands.map(\.views).max() ?? 0
                Output.printTable(
                    header: ["BRAND", "VIEWS", "BEFORE", "CHANGE", ""],
                    rows: report.brands.map { brand in
                        [
                            brand.brand, "\(brand.views)", "\(brand.previousViews)",
                            ReportRendering.change(brand.views, from: brand.previousViews),
                            ReportRendering.bar(brand.views, of: most),
                        ]
                    }
                )
            }
        }
    }
}

extension SeriesGranularity: ExpressibleByArgument {}

private func checkFormats(_ connection: ConnectionOptions, _ window: ReportWindowOptions) throws {
    if connection.json, window.csv {
        throw ValidationError("--json and --csv cannot be combined")
    }
}

/// The window the server used, above a table.
private func printWindow(_ start: Date, _ end: Date, granularity: SeriesGranularity? = nil) {
    let by = granularity.map { $0 == .day ? ", daily" : ", hourly" } ?? ""
    print("views from \(ReportRendering.time(start)) to \(ReportRendering.time(end)) (UTC\(by))")
}
