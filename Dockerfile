# syntax=docker/dockerfile:1
#
# kubelet-span-exporter container image.
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t kubelet-span-exporter:dev .
#
# Stages:
#   build  - full install (dev dependencies included) and `npm run build` (tsc -> dist/).
#   deps   - production dependencies only (`npm ci --omit=dev`), nothing else.
#   final  - distroless Node.js runtime with dist/, the production node_modules and package.json.
#
# scripts/check-image-install.sh reproduces the deps + final install without Docker
# (it is what CI runs, since CI has no Docker engine).

# Pinned Node 24 LTS patch on Debian 12 (bookworm), the same Debian release as the
# distroless runtime below, so anything compiled against glibc in `deps` runs in `final`.
ARG NODE_BUILD_IMAGE=node:24.21.0-bookworm-slim

# ---------------------------------------------------------------------------------------
# build: compile TypeScript. Runs on the builder's own platform ($BUILDPLATFORM): tsc's
# output is plain JavaScript, identical for every target, so a multi-arch build does not
# have to run the compiler under QEMU emulation.
FROM --platform=$BUILDPLATFORM ${NODE_BUILD_IMAGE} AS build
WORKDIR /src
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY proto ./proto
RUN npm run build

# ---------------------------------------------------------------------------------------
# deps: production dependencies only. Runs on the TARGET platform so that npm selects the
# right platform-specific optional packages for linux/arm64 vs linux/amd64.
# --ignore-scripts: no production dependency needs an install script today (protobufjs's
# postinstall only prints a version-scheme warning). Drop it if a native addon is added.
FROM ${NODE_BUILD_IMAGE} AS deps
WORKDIR /app
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# ---------------------------------------------------------------------------------------
# final: distroless rather than node:24-bookworm-slim because the agent runs with a
# service-account token that can read every pod spec on its node: distroless has no
# shell, no package manager and no npm (a much smaller attack surface and CVE count),
# and its `nonroot` variant already runs as UID/GID 65532. The agent needs nothing but
# the node binary. Debugging without a shell: `kubectl debug -it <pod> --image=busybox
# --target=kubelet-span-exporter`.
# For releases, consider pinning this by digest (@sha256:...) as well.
FROM gcr.io/distroless/nodejs24-debian12:nonroot AS final

ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="kubelet-span-exporter" \
      org.opencontainers.image.description="Per-node agent that turns what the local kubelet reports about pods into OpenTelemetry container-level spans." \
      org.opencontainers.image.source="https://github.com/kubelet-span-exporter/kubelet-span-exporter" \
      org.opencontainers.image.url="https://github.com/kubelet-span-exporter/kubelet-span-exporter" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

WORKDIR /app
ENV NODE_ENV=production
# package.json is needed at run time: its "type": "module" makes dist/*.js ES modules.
COPY --from=deps --chown=0:0 /app/package.json ./package.json
COPY --from=deps --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /src/dist ./dist
# The CRI client loads its .proto at run time (CRI_ENDPOINT, opt-in).
COPY --from=build --chown=0:0 /src/proto ./proto

# Numeric so that Kubernetes can check runAsNonRoot without resolving a user name.
USER 65532:65532
# HTTP_PORT default: /healthz, /readyz, /metrics.
EXPOSE 9464

# Exec form, node itself is PID 1 (no shell, no npm): SIGTERM reaches the agent directly.
# Distroless has no `node` on PATH, hence the absolute path.
ENTRYPOINT ["/nodejs/bin/node", "dist/main.js"]
