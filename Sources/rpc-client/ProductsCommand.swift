import ArgumentParser
import RPCClient

struct ProductsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "products",
        abstract: "List and read products; admins also create, update and delete them.",
        subcommands: [List.self, Get.self, Create.self, Update.self, Delete.self]
    )

    /// Accepted before the subcommand too (see `RPCClientCommand.connection`).
    @OptionGroup var connection: ConnectionOptions

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List products ordered by sku, one page.",
            discussion: "Logged in, you read as that admin; --anonymous reads as anyone would."
        )

        @OptionGroup var connection: ConnectionOptions

        @OptionGroup var reader: ReaderOptions

        @Option(help: "Only products of exactly this brand.")
        var brand = ""

        @Option(help: "Products per page, 1 to 1000 (default 50).")
        var pageSize: Int32 = 0

        @Option(help: "The next_page_token a previous page printed.")
        var pageToken = ""

        func run() async throws {
            try await self.connection.withClient(as: self.reader.caller) { client in
                let page = try await client.listProducts(
                    pageSize: self.pageSize,
                    pageToken: self.pageToken,
                    brand: self.brand
                )
                if self.connection.json {
                    try Output.printJSON(page)
                    return
                }
                ProductTable.print(page.products)
                Output.printNextPageHint(page.nextPageToken)
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one product.",
            discussion:
                "Logged in, you read as that admin, and your reads count no view; --anonymous reads as anyone would."
        )

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The product's sku (a UUID).")
        var sku: String

        @OptionGroup var reader: ReaderOptions

        func run() async throws {
            try await self.connection.withClient(as: self.reader.caller) { client in
                try ProductTable.show(try await client.getProduct(sku: self.sku), json: self.connection.json)
            }
        }
    }
}

/// Who reads products: the logged-in admin, whose reads count no views, unless `--anonymous`.
struct ReaderOptions: ParsableArguments {
    @Flag(help: "Read as an anonymous caller even when logged in (a get then counts a view).")
    var anonymous = false

    var caller: ConnectionOptions.Caller { self.anonymous ? .anonymous : .adminIfLoggedIn }
}

enum ProductTable {
    static func show(_ product: Product, json: Bool) throws {
        if json {
            try Output.printJSON(product)
        } else {
            self.print([product])
        }
    }

    static func print(_ products: [Product]) {
        Output.printTable(
            header: ["SKU", "NAME", "BRAND", "PRICE", "VIEWS", "VERSION", "UPDATED"],
            rows: products.map { product in
                [
                    product.sku, product.name, product.brand,
                    Price.format(cents: product.priceCents, currency: product.currency),
                    "\(product.views)", "\(product.version)",
                    product.updateTime.formatted(.iso8601),
                ]
            }
        )
    }
}
