import Codec
public import Foundation
import SwiftProtobuf

extension CatalogClient {
    /// ReportService/TopProducts (admins only): products by views in `start..<end`, widened
    /// by the server to whole buckets. `limit` 0: the server's default (10); `brand` empty: all.
    public func topProducts(
        start: Date,
        end: Date,
        limit: Int32 = 0,
        brand: String = "",
        timeout: Duration? = nil
    ) async throws -> TopProductsReport {
        var request = Catalog_V1_TopProductsRequest()
        request.startTime = Google_Protobuf_Timestamp(date: start)
        request.endTime = Google_Protobuf_Timestamp(date: end)
        request.limit = limit
        request.brand = brand
        return TopProductsReport(
            try await self.call(
                CatalogMethod.topProducts,
                request,
                returning: Catalog_V1_TopProductsResponse.self,
                timeout: timeout
            )
        )
    }

    /// ReportService/ProductViewSeries (admins only): one product's views per bucket.
    public func productViewSeries(
        sku: String,
        start: Date,
        end: Date,
        granularity: SeriesGranularity = .hour,
        timeout: Duration? = nil
    ) async throws -> ViewSeriesReport {
        var request = Catalog_V1_ProductViewSeriesRequest()
        request.sku = sku
        request.startTime = Google_Protobuf_Timestamp(date: start)
        request.endTime = Google_Protobuf_Timestamp(date: end)
        request.granularity = granularity == .day ? .day : .hour
        return ViewSeriesReport(
            try await self.call(
                CatalogMethod.productViewSeries,
                request,
                returning: Catalog_V1_ProductViewSeriesResponse.self,
                timeout: timeout
            )
        )
    }

    /// ReportService/BrandViews (admins only): views per brand in `start..<end` and the window before.
    public func brandViews(start: Date, end: Date, timeout: Duration? = nil) async throws -> BrandViewsReport {
        var request = Catalog_V1_BrandViewsRequest()
        request.startTime = Google_Protobuf_Timestamp(date: start)
        request.endTime = Google_Protobuf_Timestamp(date: end)
        return BrandViewsReport(
            try await self.call(
                CatalogMethod.brandViews,
                request,
                returning: Catalog_V1_BrandViewsResponse.self,
                timeout: timeout
            )
        )
    }
}
