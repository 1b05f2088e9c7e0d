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
ENV CATALOG_DATA_DIR=/var/lib/catalog/data \
    CATALOG_LISTEN=0.0.0.0:7443
VOLUME ["/var/lib/catalog/data"]
EXPOSE 7443
ENTRYPOINT ["/usr/local/bin/catalogd"]
CMD ["serve"]
