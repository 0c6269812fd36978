# Brook: one node per container. Build with scripts/docker-image.sh (it compiles dist/ and, where
# no image registry is reachable, builds an equivalent base offline), or by hand after
# `npm ci && npm run build`:
#   docker build -t brook:local .                                  # on the official node image
#   docker build --build-arg BASE_IMAGE=brook-base:local -t brook:local .
# The image runs what this checkout built (dist/) with its production dependencies; native
# addons (classic-level, @node-rs/crc32 from node_modules/, Brook's page-cache addon from
# build/Release/, built by `npm ci`) come from the host, so build on the architecture and libc
# (glibc) the image targets.
ARG BASE_IMAGE=node:20-bookworm-slim

# Stage 1: production dependencies only. Exec-form RUN needs no shell in the base image.
FROM ${BASE_IMAGE} AS app
WORKDIR /opt/brook
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
RUN ["npm", "prune", "--omit=dev", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
COPY dist ./dist
COPY build/Release/page_cache.node ./build/Release/page_cache.node
RUN ["node", "-e", "require('node:fs').mkdirSync('/var/lib/brook', { recursive: true })"]

# Stage 2: the runtime, without the development dependencies' layers.
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="Brook" \
      org.opencontainers.image.description="A Kafka-compatible, Raft-replicated message broker" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /opt/brook
COPY --from=app /opt/brook /opt/brook
# uid 1000 is the `node` user of the official image; numeric so no passwd lookup is needed.
COPY --from=app --chown=1000:1000 /var/lib/brook /var/lib/brook
USER 1000:1000
# Listen on every interface of the container; advertise what clients can reach (see
# docker-compose.yml): BROOK_ADVERTISED_HOST / BROOK_ADVERTISED_PORT.
ENV NODE_ENV=production \
    BROOK_LISTEN_HOST=0.0.0.0 \
    BROOK_DATA_DIR=/var/lib/brook
# Kafka, internal gRPC (Raft and replication), HTTP (/metrics, /healthz, /readyz).
EXPOSE 9092 9093 9094
VOLUME ["/var/lib/brook"]
# /readyz answers 200 once the node joined the metadata quorum and serves Kafka clients. A
# three-node cluster needs a quorum before any node is ready, hence the start period.
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.BROOK_HTTP_PORT || 9094) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) hands partition leaderships over and flushes every log before exiting.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/brook/dist/node.js"]
