# syntax=docker/dockerfile:1
# The gochat image: both binaries, /usr/local/bin/gochat (every service; `gochat gateway`,
# `gochat local`, ...) and /usr/local/bin/gochat-operator. There is no ENTRYPOINT, so a pod
# picks its binary with `command`; the default CMD runs the operator.
#
#   docker buildx build -t ghcr.io/gochat/gochat:0.1.0 .
#
# Needs BuildKit (the cache mounts keep cargo's registry and target/ between builds on one
# builder). No OpenSSL and no protoc: TLS is rustls, the .proto files compile with protox.
#
# The node test tier (tests/node/image) builds the image from this same file without a
# registry: buildah replaces the `builder` stage with a directory holding out/ (the project's
# release build, debug info stripped as below) and BASE_IMAGE with a base made from the same
# Debian packages; the runtime stage below is shared text, so the two cannot drift.

# glibc, libgcc and CA certificates, no shell; user nonroot is 65532. Debian 12, as the builder,
# so the binaries find the glibc they were linked against.
ARG BASE_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM rust:1.95-slim-bookworm AS builder
WORKDIR /src
COPY . .
RUN --mount=type=cache,id=gochat-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,id=gochat-cargo-git,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,id=gochat-target,target=/src/target,sharing=locked \
    cargo build --release --locked -p gochat -p gochat-operator \
    && mkdir -p /out \
    && cp target/release/gochat target/release/gochat-operator /out/ \
    && strip --strip-debug /out/gochat /out/gochat-operator

FROM ${BASE_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="gochat" \
      org.opencontainers.image.description="gochat (gateway, auth, chat, email) and its Kubernetes operator" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=builder /out/gochat /out/gochat-operator /usr/local/bin/
# Numeric, so Kubernetes can check runAsNonRoot against the image.
USER 65532:65532
EXPOSE 8080
CMD ["/usr/local/bin/gochat-operator", "run"]
