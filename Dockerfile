# syntax=docker/dockerfile:1
# plus-relay: build the TypeScript in one stage, run the compiled JavaScript in a slim one without dev dependencies.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The rules ship in the image: edit rules.yaml, `fly deploy`, and the new rules are live.
COPY rules.yaml ./
# Writable only for the outbox transport (no MAILGUN_API_KEY); everything else stays root-owned and read-only.
RUN mkdir outbox && chown node:node outbox
USER node
EXPOSE 8080
# Slim images have no curl: node asks /healthz itself (a 503 means the store is unreachable).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly, never `npm start`: SIGTERM from `docker stop` or Fly must reach the relay, which drains in-flight
# forwards and exits (npm would not pass the signal on, and the process would be killed mid-send).
# --expose-gc lets the body readers free spent request chunks as a 25 MB message streams in (src/inbound/reclaim.ts).
CMD ["node", "--expose-gc", "dist/main.js"]
