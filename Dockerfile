# syntax=docker/dockerfile:1
# Build stage: the Swift toolchain and the -dev packages the build links against.
FROM swift:6.2-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-dev libargon2-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits do not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
COPY Protos ./Protos
RUN swift build -c release --static-swift-stdlib --product catalogd \
    && swift build -c release --static-swift-stdlib --product rpc-client \
    && mkdir -p /out \
    && cp "$(swift build -c release --show-bin-path)/catalogd" "$(swift build -c release --show-bin-path)/rpc-client" /out/

# Runtime stage: only the shared libraries the binaries load, and an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-0 libargon2-1 libcurl4 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/catalog --uid 10001 catalog
COPY --from=build /out/catalogd /out/rpc-client /usr/local/bin/
USER catalog
WORKDIR /var/lib/catalog
# Both doors where other containers reach them: the framing on 7443, standard gRPC on 7444.
# The metrics and probes listener (plain HTTP) stays off; to scrape it, set
# CATALOG_METRICS_LISTEN=0.0.0.0:9464 and publish 9464 on an internal network only.
# CATALOG_CA is the self-signed certificate the daemon makes at its first start, for rpc-client
# inside the container and the health check; with --tls-cert, point it at your CA (the check
# connects to 127.0.0.1, which your certificate must then name).
ENV CATALOG_DATA_DIR=/var/lib/catalog/data \
    CATALOG_LISTEN=0.0.0.0:7443 \
    CATALOG_GRPC_LISTEN=0.0.0.0:7444 \
    CATALOG_CA=/var/lib/catalog/data/tls/cert.pem
VOLUME ["/var/lib/catalog/data"]
EXPOSE 7443 7444
# The standard grpc.health.v1 check a Kubernetes probe asks: unhealthy unless SERVING (a daemon
# draining, or whose PostgreSQL is down, answers NOT_SERVING).
HEALTHCHECK --interval=15s --timeout=12s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/rpc-client", "health", "--grpc", "--grpc-server", "127.0.0.1:7444", "--probe"]
ENTRYPOINT ["/usr/local/bin/catalogd"]
CMD ["serve"]
