# herald's container image: the static binary on distroless, which has CA
# certificates, the zone database and a non-root user, and nothing else.
#
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     --build-arg VERSION=v1.2.3 --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg DATE=$(git log -1 --format=%cI) -t herald .
#
# The release workflow (.github/workflows/release.yml) builds and pushes it
# for linux/amd64 and linux/arm64. The build stage runs on the build
# machine's platform and cross-compiles, so no emulation is needed.

# Keep the Go version in step with go.mod (internal/release/release_test.go
# checks it).
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS TARGETARCH
ARG VERSION=devel COMMIT= DATE=
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# The flags of .goreleaser.yaml's build, so the image's herald reports its
# version, commit and date as the release binaries do.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath \
      -ldflags "-s -w -X main.version=$VERSION -X main.commit=$COMMIT -X main.date=$DATE" \
      -o /out/herald ./cmd/herald

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/herald /usr/local/bin/herald
# nonroot is uid 65532 in distroless; its home is /home/nonroot.
USER nonroot:nonroot
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/herald"]
CMD ["help"]
