import Testing

@testable import Telemetry

@Suite struct MetricsRouteTests {
    @Test func pathsAndMethodsMapToTheirAnswers() {
        #expect(MetricsRoute(method: "GET", uri: "/metrics") == .metrics)
        #expect(MetricsRoute(method: "HEAD", uri: "/metrics?name[]=x") == .metrics)
        #expect(MetricsRoute(method: "GET", uri: "/healthz") == .health)
        #expect(MetricsRoute(method: "GET", uri: "/readyz") == .readiness)
        #expect(MetricsRoute(method: "POST", uri: "/metrics") == .methodNotAllowed)
        #expect(MetricsRoute(method: "DELETE", uri: "/readyz") == .methodNotAllowed)
        #expect(MetricsRoute(method: "GET", uri: "/metrics/") == .notFound)
        #expect(MetricsRoute(method: "POST", uri: "/admin") == .notFound)
        #expect(MetricsRoute(method: "GET", uri: "") == .notFound)
    }
}
