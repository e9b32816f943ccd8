# syntax=docker/dockerfile:1
# campus-idp container: Node 22 LTS, non-root, production dependencies only. Migrations apply at start.
# Run with DATABASE_URL and REDIS_URL (see README "Running on PostgreSQL + Redis").

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# Full install to run `prisma generate`, then drop dev dependencies.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node . .
COPY --from=deps --chown=node:node /app/src/generated ./src/generated
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/serve.mjs"]
