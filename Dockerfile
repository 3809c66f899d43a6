# syntax=docker/dockerfile:1
#
# The sluice image: a static binary on distroless (CA certificates, tzdata,
# no shell), running as a non-root user. Build from the repository root:
#
#   docker build -t sluice .
#   docker run --rm -v "$PWD/sluice.yaml:/etc/sluice/sluice.yaml:ro" sluice
#
# testing/deploy checks that the build command below makes a static binary.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Dependencies first: they change less often than the code.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static: no cgo, so no libc and no dynamic loader in the image.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/sluice ./cmd/sluice

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sluice /usr/local/bin/sluice
# nonroot is uid and gid 65532 in distroless images.
USER 65532:65532
# 8080: health.listen as the Helm chart sets it; 9464: Prometheus /metrics.
EXPOSE 8080 9464
ENTRYPOINT ["/usr/local/bin/sluice"]
CMD ["run", "-c", "/etc/sluice/sluice.yaml"]
