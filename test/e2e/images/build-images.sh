#!/usr/bin/env bash
# Builds the images the end-to-end tests run. No image registry exists here, so nothing is
# pulled: every image starts from pe-edge-node-base:local, a root filesystem made of a `node`
# binary of this machine and the libraries it links, loaded with `docker import`: the one named in
# PE_EDGE_IMAGE_NODE (.ci/run unpacks there the node version the Dockerfile's base has, 24), else
# the `node` on PATH.
#
#   pe-edge-node-base:local  that node + host npm, /usr/bin/env, /bin/sh (busybox or dash, when present),
#                            users root and node (1000)
#   pe-edge-whoami:local     test/e2e/images/whoami/server.mjs on :80
#   pe-edge-whoami-hc:local  the same with a Docker HEALTHCHECK on /health every 1 s
#   pe-edge:local            the repository's Dockerfile, target `prebuilt`: the host's dist/ and
#                            production node_modules copied in (`npm ci` inside `docker build` is not
#                            counted on: the npm registry is reached only through this machine's
#                            TLS-intercepting proxy, whose CA a container does not have)
#
# Idempotent and fast when up to date: the base image carries a label with the hash of its
# inputs and is rebuilt only when they change; the others rely on Docker's build cache.
# Environment: PE_EDGE_IMAGES_FORCE=1 rebuilds the base even when its inputs are unchanged.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
BASE_IMAGE=pe-edge-node-base:local
WHOAMI_IMAGE=pe-edge-whoami:local
WHOAMI_HC_IMAGE=pe-edge-whoami-hc:local
EDGE_IMAGE=pe-edge:local
# Bump when the base recipe below changes in a way its input files do not show.
BASE_RECIPE=4
WORK="${TMPDIR:-/tmp}/pe-edge-e2e-images"

log() { printf '== build-images: %s\n' "$*" >&2; }
die() { printf '!! build-images: %s\n' "$*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

command -v docker >/dev/null || die "docker client not found"
docker info >/dev/null 2>&1 || die "Docker engine not reachable (docker info failed)"
mkdir -p "$WORK"
# One build at a time on this machine: parallel test processes may all call this script.
exec 9>"$WORK/.lock"
flock -w 600 9 || die "timed out waiting for another build-images.sh"

# Quiet legacy builder (this engine has no buildx); keep its step output for failures.
build() { # build LOGNAME docker-build-args...
  local name="$1"; shift
  local out="$WORK/$name.build.log"
  if ! DOCKER_BUILDKIT=0 docker build --force-rm "$@" >"$out" 2>&1; then
    tail -n 40 "$out" >&2
    die "docker build of $name failed (full log: $out)"
  fi
}

# ---------------------------------------------------------------- (a) pe-edge-node-base:local
build_base() {
  local t0; t0=$(date +%s)
  local node_bin; node_bin="$(readlink -f "${PE_EDGE_IMAGE_NODE:-$(command -v node)}")"
  # The files ldd names (the dynamic loader included), at the same paths inside the image.
  local -a libs=() sh_libs=()
  mapfile -t libs < <(ldd "$node_bin" | awk '/=> \//{print $3} /^[ \t]*\/[^ ]+ \(/{print $1}' | sort -u)
  local sh_bin=""
  if [ -x /bin/busybox ]; then sh_bin="$(readlink -f /bin/busybox)"; elif [ -x /bin/dash ]; then sh_bin="$(readlink -f /bin/dash)"; fi
  if [ -n "$sh_bin" ]; then
    mapfile -t sh_libs < <(ldd "$sh_bin" 2>/dev/null | awk '/=> \//{print $3} /^[ \t]*\/[^ ]+ \(/{print $1}' | sort -u || true)
  fi
  # /usr/bin/env: npm's and npx's `#!/usr/bin/env node` need it (it links libc only).
  local env_bin; env_bin="$(readlink -f /usr/bin/env)"
  local npm_dir=""
  if [ -f /usr/lib/node_modules/npm/bin/npm-cli.js ]; then npm_dir=/usr/lib/node_modules/npm; fi
  # Input hash: the binaries, the libraries, npm's version and this recipe's number.
  local inputs
  inputs="$( { echo "recipe=$BASE_RECIPE sh=$sh_bin"
              sha256sum "$node_bin" "$env_bin" "${libs[@]}" ${sh_bin:+"$sh_bin"} ${sh_libs[@]+"${sh_libs[@]}"}
              if [ -n "$npm_dir" ]; then sha256sum "$npm_dir/package.json"; fi; } | sha256sum | cut -c1-32)"
  local have; have="$(docker image inspect -f '{{ index .Config.Labels "pe-edge.inputs" }}' "$BASE_IMAGE" 2>/dev/null || true)"
  if [ "$have" = "$inputs" ] && [ "${PE_EDGE_IMAGES_FORCE:-0}" != 1 ]; then
    log "$BASE_IMAGE up to date"
    return
  fi
  log "building $BASE_IMAGE from $node_bin ($("$node_bin" --version))"
  local root="$WORK/rootfs"
  rm -rf "$root"
  mkdir -p "$root"/{usr/bin,usr/lib,etc,tmp,root,home/node,app,bin}
  chmod 1777 "$root/tmp"
  cp "$node_bin" "$root/usr/bin/node"
  cp "$env_bin" "$root/usr/bin/env"
  local lib
  for lib in "${libs[@]}" ${sh_libs[@]+"${sh_libs[@]}"}; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  if [ -n "$sh_bin" ]; then
    cp -L "$sh_bin" "$root/bin/sh"
  fi
  if [ -n "$npm_dir" ]; then
    mkdir -p "$root/usr/lib/node_modules"
    cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
  fi
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000:node:/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
node:x:1000:
nogroup:x:65534:
EOF
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  chown -R 1000:1000 "$root/home/node"
  tar --numeric-owner -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV NODE_VERSION='"$("$node_bin" --version | tr -d v)" \
    --change "LABEL pe-edge.inputs=$inputs" \
    --change 'WORKDIR /' \
    --change 'CMD ["node"]' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$root"
  log "$BASE_IMAGE built in $(elapsed "$t0")"
}

# ---------------------------------------------------------------- (b) whoami images
build_whoami() {
  local t0; t0=$(date +%s)
  build whoami -t "$WHOAMI_IMAGE" --target plain --build-arg BASE="$BASE_IMAGE" "$HERE/whoami"
  build whoami-hc -t "$WHOAMI_HC_IMAGE" --target hc --build-arg BASE="$BASE_IMAGE" "$HERE/whoami"
  log "$WHOAMI_IMAGE, $WHOAMI_HC_IMAGE ready in $(elapsed "$t0")"
}

# ---------------------------------------------------------------- (c) pe-edge:local
# The Dockerfile's `prebuilt` target copies dist/ and node_modules/ from its context. The
# context is a staging folder: the compiled app (no tests) and production-only node_modules.
build_edge() {
  local t0; t0=$(date +%s)
  # dist/ is normally fresh already (npm test runs tsc -b first); a type error elsewhere in the
  # tree does not stop the image from being built from what tsc emitted, but is shown.
  if ! ( cd "$REPO" && npx --no-install tsc -b >"$WORK/tsc.log" 2>&1 ); then
    head -n 20 "$WORK/tsc.log" >&2
    log "WARNING: tsc -b reported errors (above); building $EDGE_IMAGE from the dist/ it left"
  fi
  [ -f "$REPO/dist/operator/cli/main.js" ] || die "no dist/operator/cli/main.js: build the project first (npm run build)"
  local lockhash; lockhash="$(cat "$REPO/package.json" "$REPO/package-lock.json" | sha256sum | cut -c1-16)"
  local prod="$WORK/prod-deps-$lockhash"
  if [ ! -d "$prod/node_modules" ]; then
    log "installing production dependencies (package-lock $lockhash)"
    rm -rf "$WORK"/prod-deps-*
    mkdir -p "$prod.tmp"
    cp "$REPO/package.json" "$REPO/package-lock.json" "$prod.tmp/"
    ( cd "$prod.tmp" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null ) \
      || die "npm ci --omit=dev failed"
    mv "$prod.tmp" "$prod"
  fi
  local ctx="$WORK/edge-context"
  # A fresh copy each time (cp -a keeps mtimes); Docker's COPY cache compares contents, so an
  # unchanged app still reuses its layers.
  rm -rf "$ctx"
  mkdir -p "$ctx/prebuilt-app/dist"
  local d
  for d in labels-spec proxy operator compose; do
    if [ -d "$REPO/dist/$d" ]; then cp -a "$REPO/dist/$d" "$ctx/prebuilt-app/dist/$d"; fi
  done
  find "$ctx/prebuilt-app/dist" -name '*.map' -delete
  cp -a "$prod/node_modules" "$ctx/prebuilt-app/node_modules"
  cp -p "$REPO/package.json" "$REPO/package-lock.json" "$ctx/"
  printf 'Dockerfile\n*.build.log\n' >"$ctx/.dockerignore"
  build edge -t "$EDGE_IMAGE" --target prebuilt --build-arg BASE="$BASE_IMAGE" -f "$REPO/Dockerfile" "$ctx"
  log "$EDGE_IMAGE ready in $(elapsed "$t0")"
}

T0=$(date +%s)
build_base
build_whoami
build_edge
# Earlier builds of these images, now untagged: only dangling images made from the local base.
docker image prune -f --filter label=pe-edge.inputs >/dev/null || true
log "all images ready in $(elapsed "$T0")"
