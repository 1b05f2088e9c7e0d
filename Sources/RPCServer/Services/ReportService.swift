import Codec
public import Domain
import Foundation
import SwiftProtobuf

extension MethodRegistry {
    /// Registers ReportService: admin-only.
    public mutating func registerReportService(_ reports: ViewReports) {
        self.register(
            CatalogMethod.topProducts,
            .asynchronous(Catalog_V1_TopProductsRequest.self, access: .admin) { request, _ in
                let (window, products) = try await reports.topProducts(
                    start: Self.date(request.hasStartTime, request.startTime),
                    end: Self.date(request.hasEndTime, request.endTime),
                    limit: request.limit,
                    brand: request.brand
                )
                var response = Catalog_V1_TopProductsResponse()
                response.products = products.map(Catalog_V1_ProductViewCount.init)
                response.startTime = Google_Protobuf_Timestamp(seconds: window.start)
                response.endTime = Google_Protobuf_Timestamp(seconds: window.end)
                return response
            }
        )
        self.register(
            CatalogMethod.productViewSeries,
            .asynchronous(Catalog_V1_ProductViewSeriesRequest.self, access: .admin) { request, _ in
                let series = try await reports.series(
                    sku: request.sku,
                    start: Self.date(request.hasStartTime, request.startTime),
                    end: Self.date(request.hasEndTime, request.endTime),
                    granularity: ViewGranularity(request.granularity)
                )
                return Catalog_V1_ProductViewSeriesResponse(series)
            }
        )
        self.register(
            CatalogMethod.brandViews,
            .asynchronous(Catalog_V1_BrandViewsRequest.self, access: .admin) { request, _ in
                let (window, brands) = try await reports.brandViews(
                    start: Self.date(request.hasStartTime, request.startTime),
                    end: Self.date(request.hasEndTime, request.endTime)
                )
                var response = Catalog_V1_BrandViewsResponse()
                response.brands = brands.map { brand in
                    var count = Catalog_V1_BrandViewCount()
                    count.brand = brand.brand
                    count.views = brand.views
                    count.previousViews = brand.previousViews
                    return count
                }
                response.startTime = Google_Protobuf_Timestamp(seconds: window.start)
                response.endTime = Google_Protobuf_Timestamp(seconds: window.end)
                return response
            }
        )
    }
}

extension MethodRegistry {
    /// A request's optional time: `nil` when unset, so the Domain names the missing field.
    fileprivate static func date(_ isSet: Bool, _ timestamp: Google_Protobuf_Timestamp) -> Date? {
        isSet ? timestamp.date : nil
    }
}

extension ViewGranularity {
    /// Unspecified (or an unknown value) means hours.
    init(_ granularity: Catalog_V1_Granularity) {
        self = granularity == .day ? .day : .hour
    }
}

extension Catalog_V1_Granularity {
    init(_ granularity: ViewGranularity) {
        self = granularity == .day ? .day : .hour
    }
}

extension Catalog_V1_ProductViewCount {
    init(_ count: ProductViewCount) {
        self.init()
        self.sku = count.sku.canonicalText
        self.name = count.name
        self.brand = count.brand
        self.views = count.views
        self.previousViews = count.previousViews
        self.deleted = count.deleted
    }
}

extension Catalog_V1_ProductViewSeriesResponse {
    init(_ series: ViewSeries) {
        self.init()
        self.points = series.points.map { point in
            var wire = Catalog_V1_ViewPoint()
            wire.startTime = Google_Protobuf_Timestamp(seconds: point.start)
            wire.views = point.views
            return wire
        }
        self.totalViews = series.totalViews
        self.startTime = Google_Protobuf_Timestamp(seconds: series.window.start)
        self.endTime = Google_Protobuf_Timestamp(seconds: series.window.end)
        self.granularity = Catalog_V1_Granularity(series.window.granularity)
        self.name = series.name
        self.brand = series.brand
        self.deleted = series.deleted
    }
}
