#!/usr/bin/env bash
# Builds the Brook container image `brook:local` (override with BROOK_IMAGE).
#
#   scripts/docker-image.sh              # compile dist/ if src/ or proto/ changed, then build
#   scripts/docker-image.sh --no-compile # use dist/ as it is (the tests call this after `npm test` built it)
#
# The Dockerfile's base image is a build argument whose default is the official
# node:20-bookworm-slim. When that image is neither present nor pullable (machines without access
# to an image registry), this script builds an equivalent base offline, `brook-base:local`: the
# host's own `node` binary, npm, /bin/sh, /usr/bin/env and the shared libraries `ldd` lists for
# them, tarred and `docker import`ed. Set BROOK_BASE_IMAGE to use any other base.
#
# Idempotent: the offline base carries a fingerprint of what went into it, the app image a stamp
# of its base, dist/, the lockfile and the Dockerfile; each is rebuilt only when that changes, so
# a run where nothing changed takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${BROOK_IMAGE:-brook:local}"
OFFICIAL_BASE="node:20-bookworm-slim"
OFFLINE_BASE="brook-base:local"
FINGERPRINT_LABEL="brook.base.fingerprint"
STAMP_LABEL="brook.build.stamp"
compile=1
for arg in "$@"; do
  case "$arg" in
    --no-compile) compile=0 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "docker-image: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

log() { echo "docker-image: $*" >&2; }
scratch=()
cleanup() { [ ${#scratch[@]} -eq 0 ] || rm -rf "${scratch[@]}"; }
trap cleanup EXIT

docker info >/dev/null 2>&1 || { log "no Docker daemon answers ('docker info' failed)"; exit 1; }

# --- dist/ and production dependencies come from this checkout ------------------------------
[ -d node_modules ] || { log "node_modules/ is missing: run 'npm ci' first"; exit 1; }
if [ "$compile" = 1 ]; then
  if [ ! -f dist/node.js ] || [ -n "$(find src proto package.json tsconfig.json tsconfig.build.json -newer dist/node.js -print -quit 2>/dev/null)" ]; then
    log "compiling dist/ (sources are newer than dist/node.js)"
    npx tsc -p tsconfig.build.json
    node scripts/copy-proto.mjs
    touch dist/node.js
  fi
fi
[ -f dist/node.js ] || { log "dist/node.js is missing: run 'npm run build' (or drop --no-compile)"; exit 1; }
[ -f build/Release/page_cache.node ] || { log "build/Release/page_cache.node is missing: run 'npm ci' (it builds the page-cache addon)"; exit 1; }

# --- the base image ---------------------------------------------------------------------------
base_fingerprint() {
  # What the offline base is made of: the node binary, npm's version, and this function's recipe.
  {
    sha256sum "$(readlink -f "$(command -v node)")" | cut -d' ' -f1
    node -p 'require(process.argv[1] + "/npm/package.json").version' "$(npm root -g 2>/dev/null)"
    declare -f build_offline_base copy_with_libs
  } | sha256sum | cut -c1-16
}

copy_with_libs() {
  # copy_with_libs ROOTFS SOURCE DEST: copies an executable and every shared library it loads,
  # each library at the path the dynamic loader looks for it.
  local rootfs="$1" source="$2" dest="$3" lib
  mkdir -p "$rootfs/$(dirname "$dest")"
  cp -L "$source" "$rootfs/$dest"
  for lib in $(ldd "$source" | grep -o '/[^ ]*'); do
    [ -e "$rootfs$lib" ] && continue
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
}

build_offline_base() {
  local fingerprint="$1" rootfs node_bin npm_dir lib
  rootfs="$(mktemp -d /tmp/brook-base.XXXXXX)"
  scratch+=("$rootfs")
  node_bin="$(readlink -f "$(command -v node)")"
  npm_dir="$(npm root -g 2>/dev/null)/npm"
  # Same layout as the official image: node and npm under /usr/local.
  copy_with_libs "$rootfs" "$node_bin" /usr/local/bin/node
  copy_with_libs "$rootfs" /bin/sh /bin/sh
  copy_with_libs "$rootfs" /usr/bin/env /usr/bin/env
  # Native addons (classic-level, @node-rs/crc32) also load librt; node itself does not.
  for lib in /lib/x86_64-linux-gnu/librt.so.1 /lib/aarch64-linux-gnu/librt.so.1; do
    [ -e "$lib" ] && mkdir -p "$rootfs$(dirname "$lib")" && cp -L "$lib" "$rootfs$lib"
  done
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/root" "$rootfs/home/node"
  chmod 1777 "$rootfs/tmp"
  chown 1000:1000 "$rootfs/home/node"
  # uid 1000 is `node`, as in the official image; os.userInfo() and npm want a passwd entry.
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change "ENV NODE_VERSION=$(node --version | cut -c2-)" \
    --change "LABEL $FINGERPRINT_LABEL=$fingerprint" \
    --change 'CMD ["node"]' \
    - "$OFFLINE_BASE" >/dev/null
}

if [ -n "${BROOK_BASE_IMAGE:-}" ]; then
  base="$BROOK_BASE_IMAGE"
elif docker image inspect "$OFFICIAL_BASE" >/dev/null 2>&1 || docker pull -q "$OFFICIAL_BASE" >/dev/null 2>&1; then
  base="$OFFICIAL_BASE"
else
  base="$OFFLINE_BASE"
  fingerprint="$(base_fingerprint)"
  have="$(docker image inspect -f "{{index .Config.Labels \"$FINGERPRINT_LABEL\"}}" "$OFFLINE_BASE" 2>/dev/null || true)"
  if [ "$have" != "$fingerprint" ]; then
    log "$OFFICIAL_BASE cannot be pulled; building $OFFLINE_BASE from the host's node $(node --version)"
    build_offline_base "$fingerprint"
  fi
fi

# --- the app image ----------------------------------------------------------------------------
# Everything the image is made of; when the image already carries this stamp, nothing is built.
base_id="$(docker image inspect -f '{{.Id}}' "$base")"
stamp="$({
  echo "$base_id"
  sha256sum package.json package-lock.json Dockerfile .dockerignore build/Release/page_cache.node
  find dist -type f ! -name '*.map' -print0 | sort -z | xargs -0 sha256sum
} | sha256sum | cut -c1-16)"
if [ "$(docker image inspect -f "{{index .Config.Labels \"$STAMP_LABEL\"}}" "$IMAGE" 2>/dev/null || true)" = "$stamp" ]; then
  log "$IMAGE is up to date ($stamp)"
  exit 0
fi

log "building $IMAGE on $base"
start=$(date +%s)
previous="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
build_log="$(mktemp /tmp/brook-docker-build.XXXXXX)"
scratch+=("$build_log")
if ! docker build --build-arg "BASE_IMAGE=$base" --label "$STAMP_LABEL=$stamp" -t "$IMAGE" . >"$build_log" 2>&1; then
  cat "$build_log" >&2
  log "docker build failed"
  exit 1
fi
# Smoke test: the entry point loads (native addons included) and the image runs as non-root.
docker run --rm --entrypoint node "$IMAGE" -e '
  import("/opt/brook/dist/broker.js").then(() => {
    if (process.getuid() === 0) { console.error("runs as root"); process.exit(1); }
  }, (err) => { console.error(err); process.exit(1); });' >/dev/null
# The image this one replaces is untagged now; drop it unless a container still uses it.
if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]; then
  docker image rm "$previous" >/dev/null 2>&1 || true
fi
log "$IMAGE ready ($stamp, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1 / 1e6}'), $(( $(date +%s) - start )) s)"
