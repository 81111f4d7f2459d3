# syntax=docker/dockerfile:1
#
# A minimal image holding only the `ajc` executable (the glibc build) on a distroless base.
#
#   docker build -t ajc --build-arg AJC_COMMIT=$(git rev-parse --short=12 HEAD) .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ajc .
#
# The default command is `ajc server run`, listening on 0.0.0.0:8080 (AJC_BIND below). The server
# refuses that non-loopback bind at start-up until you choose how it is protected, so configure one:
#   behind an authenticating reverse proxy:  -e AJC_UNSAFE_BIND=true   (or `server run --unsafe-bind`)
#   mTLS:  -e AJC_TLS_CERT=... -e AJC_TLS_KEY=... -e AJC_TLS_CLIENT_CA=... with the files mounted
# plus AJC_QUEUE and NATS_URL. See docs/deployment.md.

# Must equal the `bun` devDependency in package.json (a test checks), so images and CI use one compiler.
ARG BUN_VERSION=1.4.5

# The build stage runs on the build machine and cross-compiles for the image's platform.
FROM --platform=$BUILDPLATFORM node:20-bookworm-slim AS build
ARG BUN_VERSION
ARG TARGETARCH
# The commit to stamp into `ajc --version` (the build context has no .git).
ARG AJC_COMMIT=""
WORKDIR /src
COPY package.json bun.lock bunfig.toml ./
RUN npx --yes "bun@${BUN_VERSION}" install --frozen-lockfile --production
COPY . .
RUN case "${TARGETARCH:-amd64}" in \
      amd64) target=bun-linux-x64 ;; \
      arm64) target=bun-linux-arm64 ;; \
      *) echo "no ajc build for architecture ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
 && AJC_COMMIT="${AJC_COMMIT}" npx --yes "bun@${BUN_VERSION}" build/build.ts "$target" --outfile /out/ajc \
 && if [ "${TARGETARCH:-amd64}" = "$(dpkg --print-architecture)" ]; then /out/ajc --version; fi

# glibc and CA certificates, no shell, no package manager; the glibc build needs nothing else.
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/ajc /usr/local/bin/ajc
# The image's only sensible listen address; the bind guard still demands --unsafe-bind or mTLS.
ENV AJC_BIND=0.0.0.0:8080
USER 65532:65532
EXPOSE 8080
# SIGTERM drains in-flight requests (up to the write timeout, 30s by default): give `docker stop`
# more than that, e.g. `docker run --stop-timeout 40` or compose's `stop_grace_period: 40s`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/ajc"]
CMD ["server", "run"]
