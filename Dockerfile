# syntax=docker/dockerfile:1
# The `actorstream` single binary on a slim Debian runtime.
#   docker build -t actorstream:0.1.0 .
#   docker run --rm -p 8080:8080 -e KAFKA_BROKERS=... -e DATABASE_URL=... actorstream:0.1.0
# Pin the base images by digest (image@sha256:...) for release builds.

# --- dependencies: the project is locked with package-lock.json, so npm ci (not bun install) -----
FROM node:20-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
# Dev dependencies too: Bun itself comes from npm (node_modules/.bin/bun).
RUN npm ci --no-audit --no-fund

# --- build: bun build --compile bundles the sources and the Bun runtime into one executable ------
FROM deps AS build
COPY . .
# scripts/build-binary.ts embeds what a plain `bun build --compile cli/main.ts` would miss: the
# shard worker entry (a Web Worker) and PGlite's wasm and data files for the embedded default.
RUN node_modules/.bin/bun scripts/build-binary.ts --sourcemap \
 && ./dist/actorstream --help >/dev/null

# --- runtime --------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
# ca-certificates: TLS to managed Kafka / Postgres / OTLP endpoints; curl: the HEALTHCHECK.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 actorstream \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin actorstream
WORKDIR /app
COPY --from=build --chown=root:root --chmod=0755 /src/dist/actorstream /app/actorstream
# Numeric so Kubernetes' runAsNonRoot can verify it without a passwd lookup.
USER 10001:10001
ENV HTTP_PORT=8080
# Reachable from outside the container; with no API_TOKENS the app then refuses to start (exit 2).
ENV HTTP_HOST=0.0.0.0
# Bun's allocator (mimalloc) keeps freed pages for a second instead of ~10 ms: the hot path
# allocates and frees per batch, and returning pages cost page faults and memmoves. Measured
# (bench/README.md, "Allocator at start"): ×1.65–2.2 backlog events/s. `actorstream run` sets it
# itself (runtime/allocator.ts); set here so it is visible.
ENV MIMALLOC_PURGE_DELAY=1000
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${HTTP_PORT}/healthz" >/dev/null || exit 1
# SIGTERM: stop fetching, final checkpoint, leave the consumer group (allow 30 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/actorstream", "run"]
