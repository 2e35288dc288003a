# syntax=docker/dockerfile:1
# plus-relay: build the TypeScript and the native SQLite addon in one stage, run the compiled JavaScript in a slim one
# without dev dependencies or a compiler.

FROM node:22-bookworm-slim AS build
# better-sqlite3 is a native addon compiled from source here; the slim image has no compiler.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here. The one install script that matters, the
# addon's, runs next, from source rather than a binary downloaded at build time.
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3 --build-from-source
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs ./scripts/
COPY src ./src
RUN npm run build
# The V8 compile cache, made here and nowhere else: the relay started once as CMD starts it (same file, same flags),
# writing dist/compile-cache, which the runtime stage copies root-owned. The relay reads it and can never write it.
COPY rules.yaml ./
COPY scripts/warm-compile-cache.mjs ./scripts/
RUN node scripts/warm-compile-cache.mjs --expose-gc dist/bundle/main.js
# What the runtime stage copies: the same tree without dev dependencies, the compiled addon inside it.
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
# HOST explicitly: without MAILGUN_API_KEY the relay would otherwise listen on 127.0.0.1 only, and the platform's
# health checks would fail instead of showing the outbox warning. DATA_DIR is the durable store, a volume on Fly.
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The rules ship in the image: edit rules.yaml, `fly deploy`, and the new rules are live.
COPY rules.yaml ./
# Writable only where the relay writes: the outbox transport (no MAILGUN_API_KEY) and the store's DATA_DIR (owned by
# node for a run without a volume, and as the owner a new Docker volume copies); everything else stays root-owned.
RUN mkdir outbox /data && chown node:node outbox /data
USER node
EXPOSE 8080
# Slim images have no curl: node asks /healthz itself (a 503 means the store is unreachable).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly, never `npm start`: SIGTERM from `docker stop` or Fly must reach the relay, which drains in-flight
# forwards and exits (npm would not pass the signal on, and the process would be killed mid-send).
# dist/bundle/: the relay in a few files rather than some 750 (scripts/bundle.mjs), for a shorter start.
# --expose-gc lets the body readers free spent request chunks as a 25 MB message streams in (src/inbound/reclaim.ts).
CMD ["node", "--expose-gc", "dist/bundle/main.js"]
