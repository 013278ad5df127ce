# One image for every service of the platform; the command picks the service.
# Build: docker build -t industrial-ai-platform .
FROM node:24-bookworm-slim
ENV NODE_ENV=production ONNXRUNTIME_NODE_INSTALL=skip TURBO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages ./packages
COPY services ./services
COPY contracts ./contracts
COPY proto ./proto
COPY test/package.json ./test/package.json
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund && npm cache clean --force
USER node
# e.g. docker run industrial-ai-platform services/governance/src/main.ts
ENTRYPOINT ["node", "--import", "tsx"]
