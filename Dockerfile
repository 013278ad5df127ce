# One image for every process of the platform; the command picks the entry point.
#   docker build -t industrial-ai-platform .
#   docker run --read-only --tmpfs /tmp industrial-ai-platform dist/services/governance/main.js
#   docker run --read-only --tmpfs /tmp -e HOST=0.0.0.0 industrial-ai-platform dist/web-hmi/server.js
# Stages: build (every dependency; TypeScript → JavaScript and the HMI with scripts/build.mjs),
# deps (production dependencies only, onnxruntime binaries for this platform only), runtime (node,
# the built output and the production node_modules, non-root, nothing writable but /tmp and mounts).
# The image smoke test (test/image.e2e.spec.ts) reproduces the runtime stage without an engine.

FROM node:24-bookworm-slim AS build
ENV ONNXRUNTIME_NODE_INSTALL=skip TURBO_TELEMETRY_DISABLED=1
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
 && node scripts/build.mjs /src/dist \
 && for m in package.json package-lock.json .npmrc */package.json */*/package.json; do \
      case "$m" in node_modules/*) continue ;; esac; \
      mkdir -p "/manifests/$(dirname "$m")" && cp "$m" "/manifests/$m"; done

FROM node:24-bookworm-slim AS deps
# Only production dependencies (tsx, vite, typescript … stay in the build stage); the workspace
# manifests let npm ci read the lock file (the workspaces' code is bundled into dist/).
ENV NODE_ENV=production ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY --from=build /manifests/ ./
COPY --from=build /src/scripts/prod-modules.mjs /tmp/prod-modules.mjs
RUN npm ci --omit=dev --no-audit --no-fund \
 && node /tmp/prod-modules.mjs prune /app \
 && find /app/node_modules/@industrial -maxdepth 1 -type l -delete \
 && rm -rf /tmp/prod-modules.mjs /root/.npm

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
# openssl: keygen (dist/scripts/platform/keygen.js) makes the deployment's CA and certificates with it.
RUN apt-get update && apt-get install -y --no-install-recommends openssl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# Root-owned and not writable by the service user: the tree is read-only even without --read-only.
USER node
ENV TMPDIR=/tmp HOME=/tmp
# e.g. docker run … dist/services/inference/main.js
ENTRYPOINT ["node"]
CMD ["dist/services/governance/main.js"]
