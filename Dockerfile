# syntax=docker/dockerfile:1
# user-service: one compiled Bun executable on distroless. Multi-arch:
#   docker buildx build --platform linux/amd64,linux/arm64 -t <repo>:<tag> --push .

# The Bun that compiles is the one package-lock.json pins (the `bun` devDependency); the build
# stage checks that the two agree. Both base images are named by tag: pin them to their digests
# (oven/bun:1.4.5@sha256:…) as your registry or mirror reports them, so that a moved tag cannot
# change what is built.
ARG BUN_VERSION=1.4.5

# Build on the build machine's own architecture and cross-compile for the target one: bun fetches
# the target's runtime (@oven/bun-linux-<arch>) from the npm registry, no emulation needed.
FROM --platform=$BUILDPLATFORM oven/bun:${BUN_VERSION} AS build
ARG TARGETARCH
WORKDIR /src
COPY package.json package-lock.json ./
# The lockfile covers the deploy/cdk workspace: its package.json must be there for the lock to
# match, though --production installs none of its (dev-only) packages.
COPY deploy/cdk/package.json deploy/cdk/package.json
# bun reads package-lock.json itself; --frozen-lockfile refuses to build from anything else.
# --ignore-scripts: the npm `bun` package's postinstall only fetches a Bun, and this image has one.
# --production: compiling needs the runtime dependencies only.
RUN bun install --frozen-lockfile --ignore-scripts --production
RUN bun -e 'const want = require("./package-lock.json").packages["node_modules/bun"].version; \
  if (want !== Bun.version) { console.error(`image Bun ${Bun.version}, lockfile Bun ${want}`); process.exit(1) }'
COPY tsconfig.json ./
COPY scripts/build.ts scripts/build.ts
COPY src src
# The tests run in CI (`npm test`: test/ship/ runs this image's filesystem and replays this stage);
# the build context has none (.dockerignore).
RUN bun scripts/build.ts --arch=${TARGETARCH} --outfile=out/user-service

# `ldd dist/user-service` (and DT_NEEDED of the arm64 one): libc.so.6, libm.so.6, libpthread.so.0,
# libdl.so.2 and the loader, all from Debian's libc6, nothing else. Bun links its TLS (BoringSSL)
# and root certificates in, so the image needs glibc only: base-nossl (no OpenSSL), not base.
# test/ship/image.test.ts checks this on every CI run.
FROM gcr.io/distroless/base-nossl-debian12:nonroot
COPY --from=build /src/out/user-service /usr/local/bin/user-service
# distroless's `nonroot`, by number, so the runtime can verify it is not root without a passwd lookup.
USER 65532:65532
ENV PORT=8080
# Bun runs at most this many fetch() requests at once and queues the rest without limit or metric.
# The Cognito calls have their own bound and connections (COGNITO_MAX_CONCURRENCY, 256 by default);
# fetch serves the signing keys and the breached-password check, which must never wait behind a
# hidden queue, so its bound sits above that (docs/performance.md, "Connections to Cognito").
ENV BUN_CONFIG_MAX_HTTP_REQUESTS=512
EXPOSE 8080
# distroless has no shell or curl: the binary checks itself (GET /health on loopback, 2 s budget).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/user-service", "healthcheck"]
# Exec form: the service is PID 1 (or under the runtime's init) and receives SIGTERM itself.
ENTRYPOINT ["/usr/local/bin/user-service"]
