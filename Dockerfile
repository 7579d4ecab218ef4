# pe-edge: a Traefik v3 compatible edge router.
# No `# syntax=` line: BuildKit would pull that frontend image from Docker Hub, and offline builds must not.
#
#   docker build -t pe-edge .                      from source: npm ci, tsc, production deps only
#   docker build --build-arg BASE=my-node:24 --build-arg NPM_CA="$(cat proxy-ca.pem)" -t pe-edge .
#                                                  the same from a local base image, npm behind a
#                                                  TLS-intercepting proxy (see NPM_CA in `build`)
#   docker build --build-arg BASE=pe-edge-node-base:local --target prebuilt -t pe-edge:local CTX
#                                                  from an already built app: CTX holds
#                                                  package*.json and prebuilt-app/{dist,node_modules}
#                                                  (test/e2e/images/build-images.sh stages it)
#
# BASE is any image with `node` 24 (and npm, for the source build). The default is the official
# one; tests point it at a local image because no registry can be reached there.
# Stages are ordered so that `--target prebuilt` builds nothing else, even with the legacy builder
# (no BuildKit), which builds every stage before the target; so `prebuilt` must also pass, as a
# no-op, in a plain source build: its folder is copied through a wildcard that may match nothing.
ARG BASE=node:24-alpine
# Non-root user the app runs as; it must exist in BASE (node:*-alpine and the local base have it). The process
# starts as root only to join the Docker socket's group, whatever its number on this host, and becomes this user
# before reading anything else (operator/cli/drop-privileges.ts): no DOCKER_GID or group_add to set.
ARG APP_USER=node

# ---- runtime settings shared by both final stages
FROM ${BASE} AS runtime-base
ARG APP_USER
ENV NODE_ENV=production
WORKDIR /app
EXPOSE 80 443 8082
# Where the compose files mount the `letsencrypt` volume (traefik.yml: storage /letsencrypt/acme.json). Docker gives
# a fresh named volume the owner of its mount point in the image: without this folder, root's, and the app user
# could not write acme.json. Exec form and node only: BASE may have no shell.
RUN ["node", "-e", "const fs = require('fs'); const user = process.env.APP_USER; const entry = fs.readFileSync('/etc/passwd', 'utf8').split('\\n').map((l) => l.split(':')).find((f) => f[0] === user); if (!entry) throw new Error('no user ' + user + ' in /etc/passwd'); fs.mkdirSync('/letsencrypt', { mode: 0o700 }); fs.chownSync('/letsencrypt', Number(entry[2]), Number(entry[3]));"]
# `traefik` is pe-edge, so `docker exec <edge> traefik healthcheck` / `traefik version` work as with Traefik's image.
# A launcher, not a symlink: it needs no exec bit on main.js, and its shebang is this node's path (no /usr/bin/env needed).
RUN ["node", "-e", "const fs = require('fs'); fs.mkdirSync('/usr/local/bin', { recursive: true }); fs.writeFileSync('/usr/local/bin/traefik', '#!' + process.execPath + '\\nimport(\"/app/dist/operator/cli/main.js\");\\n', { mode: 0o755 });"]
ENV PE_EDGE_USER=${APP_USER}
# No --configFile, as Traefik's image: the static configuration is found where Traefik looks (/etc/traefik/traefik.yml
# first), else it comes from TRAEFIK_* environment variables, for the process and its health check alike.
# `CMD []` clears the base's (node:24-alpine's is ["node"], which would become an argument of pe-edge).
# --max-semi-space-size=32: V8's young generation sized for a proxy; --no-maglev: no Maglev compiler memory
# (operator/workers/young-generation.ts, IMAGE_NODE_FLAGS, says why; a unit test holds the two alike).
ENTRYPOINT ["node", "--max-semi-space-size=32", "--no-maglev", "/app/dist/operator/cli/main.js"]
CMD []
HEALTHCHECK --interval=10s --timeout=5s CMD ["node", "/app/dist/operator/cli/main.js", "healthcheck"]

# ---- from a prebuilt app (the context is the staged app, not the repository)
FROM runtime-base AS prebuilt
COPY package.json package-lock.json prebuilt-ap[p] /app/

# ---- from source
FROM ${BASE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# NPM_CA: PEM text of a CA npm must trust on top of node's own, for a TLS-intercepting proxy
# (--build-arg NPM_CA="$(cat proxy-ca.pem)"). A build argument, not BuildKit's --secret, so the legacy
# builder builds this file too. Only this stage sees it; it is written to a temp file that this same RUN
# deletes, so no layer's files hold it, and the final image copies nothing from here but node_modules and dist.
# This stage's history on the build machine does record the value: fine for a public CA, never pass a key.
ARG NPM_CA=""
# --ignore-scripts: `prepare` runs tsc before the sources are here; no dependency needs a script.
RUN if [ -n "$NPM_CA" ]; then printf '%s\n' "$NPM_CA" >/tmp/npm-ca.pem && export NODE_EXTRA_CA_CERTS=/tmp/npm-ca.pem; fi; \
    status=0; npm ci --no-audit --no-fund --ignore-scripts || status=$?; \
    node -e "require('fs').rmSync('/tmp/npm-ca.pem', { force: true })" && exit $status
# Sources only: .dockerignore leaves out tests, build output, node_modules and scratch folders.
COPY . ./
# Only node and npm are assumed in BASE (no find/rm in the test's local base).
RUN npx tsc -p tsconfig.json --sourceMap false \
 && node -e "require('fs').rmSync('dist/.tsbuildinfo', { force: true })" \
 && npm prune --omit=dev --no-audit --no-fund

FROM runtime-base AS runtime
COPY --from=build /src/package.json /src/package-lock.json /app/
COPY --from=build /src/node_modules /app/node_modules
COPY --from=build /src/dist /app/dist
