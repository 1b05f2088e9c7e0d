import ArgumentParser
import RPCClient

extension ProductsCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a product (admins).")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "1 to 200 characters.")
        var name: String

        @Option(help: "1 to 100 characters.")
        var brand: String

        @Option(help: "Decimal price, e.g. 19.99 (converted exactly to minor units).")
        var price: String

        @Option(help: "ISO 4217 code; default: the server's (MXN).")
        var currency = ""

        @Option(help: "A UUID of your choosing, so a retry cannot create a second product.")
        var sku = ""

        @Flag(help: "When --sku names a deleted product, take up its views (reports go on as one product).")
        var continueViewHistory = false

        func run() async throws {
            let cents = try PriceArgument.cents(self.price, currency: self.currency.isEmpty ? "MXN" : self.currency)
            try await self.connection.withClient(as: .admin) { client in
                let product = try await client.createProduct(
                    name: self.name,
                    brand: self.brand,
                    priceCents: cents,
                    currency: self.currency,
                    sku: self.sku,
                    continueViewHistory: self.continueViewHistory
                )
                try ProductTable.show(product, json: self.connection.json)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a product's fields (admins).")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The product's sku.")
        var sku: String

        @Option var name: String?
        @Option var brand: String?

        @Option(help: "Decimal price, e.g. 19.99.")
        var price: String?

        @Option var currency: String?

        @Option(help: "Refuse the change unless the product is at this version.")
        var expectedVersion: UInt64 = 0

        func run() async throws {
            guard self.name != nil || self.brand != nil || self.price != nil || self.currency != nil else {
                throw ValidationError("nothing to change: pass --name, --brand, --price or --currency")
            }
            try await self.connection.withClient(as: .admin) { client in
                var cents: Int64?
                if let price = self.price {
                    // The price is in the currency the product will have.
                    var currency = self.currency
                    if currency == nil {
                        currency = try await client.getProduct(sku: self.sku).currency
                    }
                    cents = try PriceArgument.cents(price, currency: currency ?? "MXN")
                }
                let product = try await client.updateProduct(
                    sku: self.sku,
                    name: self.name,
                    brand: self.brand,
                    priceCents: cents,
                    currency: self.currency,
                    expectedVersion: self.expectedVersion
                )
                try ProductTable.show(product, json: self.connection.json)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a product (admins).")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The product's sku.")
        var sku: String

        @Option(help: "Refuse unless the product is at this version.")
        var expectedVersion: UInt64 = 0

        func run() async throws {
            try await self.connection.withClient(as: .admin) { client in
                try await client.deleteProduct(sku: self.sku, expectedVersion: self.expectedVersion)
                print(self.connection.json ? "{}" : "deleted \(self.sku)")
            }
        }
    }
}

enum PriceArgument {
    static func cents(_ text: String, currency: String) throws -> Int64 {
        guard let cents = Price.parse(text, currency: currency) else {
            let digits = Price.digits(of: currency)
            throw ValidationError(
                "--price must be a decimal number with at most \(digits) decimals for \(currency.uppercased()), e.g. 19.99"
            )
        }
        return cents
    }
}
