# One image for every service; the command picks the service:
#   docker run gatewayz node dist/services/edge/main.js
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node scripts/prepare.mjs --build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 ROUTING_HOST=0.0.0.0 PROVIDER_PROXY_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/libs/db/prisma ./libs/db/prisma
COPY --from=build /app/libs/catalog/data ./libs/catalog/data
COPY --from=build /app/libs/routing/data ./libs/routing/data
COPY --from=build /app/package.json ./package.json
USER node
CMD ["node", "--enable-source-maps", "dist/services/edge/main.js"]
