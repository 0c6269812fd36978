#!/usr/bin/env bash
# Builds `brook-prometheus:local`, the Prometheus image the compose file's monitoring profile runs
# (docker-compose --profile monitoring up -d), from this machine's Prometheus binary (Debian's
# `prometheus` package: apt-get install prometheus), for machines that cannot pull an image. It
# runs like the official image: /bin/prometheus with its configuration at
# /etc/prometheus/prometheus.yml and its data in /prometheus, as nobody (65534). Where the official
# image can be pulled, use it instead: BROOK_PROMETHEUS_IMAGE=prom/prometheus docker-compose ...
#
#   scripts/prometheus-image.sh     # idempotent: rebuilt only when the binary changes
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="brook-prometheus:local"
FINGERPRINT_LABEL="brook.prometheus.fingerprint"
log() { echo "prometheus-image: $*" >&2; }

docker info >/dev/null 2>&1 || { log "no Docker daemon answers ('docker info' failed)"; exit 1; }
binary="$(command -v prometheus || true)"
[ -n "$binary" ] || { log "no prometheus binary: apt-get install -y prometheus"; exit 1; }
binary="$(readlink -f "$binary")"

fingerprint="$({ sha256sum "$binary" | cut -d' ' -f1; sed -n '/^build()/,/^}/p' "$0"; } | sha256sum | cut -c1-16)"
if [ "$(docker image inspect -f "{{index .Config.Labels \"$FINGERPRINT_LABEL\"}}" "$IMAGE" 2>/dev/null || true)" = "$fingerprint" ]; then
  log "$IMAGE is up to date ($fingerprint)"
  exit 0
fi

build() {
  local rootfs lib
  rootfs="$(mktemp -d /tmp/brook-prometheus.XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs/bin" "$rootfs/etc/prometheus" "$rootfs/prometheus" "$rootfs/tmp"
  cp -L "$binary" "$rootfs/bin/prometheus"
  # The shared libraries it loads (Debian builds it against glibc), at the loader's paths.
  for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
  chmod 1777 "$rootfs/tmp"
  chown 65534:65534 "$rootfs/prometheus"
  printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  # A configuration that scrapes nothing, so the image starts without a mounted one.
  printf 'global:\n  scrape_interval: 15s\n' >"$rootfs/etc/prometheus/prometheus.yml"
  tar -C "$rootfs" -c . | docker import \
    --change 'USER 65534:65534' \
    --change 'WORKDIR /prometheus' \
    --change 'EXPOSE 9090' \
    --change 'VOLUME ["/prometheus"]' \
    --change "LABEL $FINGERPRINT_LABEL=$fingerprint" \
    --change 'ENTRYPOINT ["/bin/prometheus"]' \
    --change 'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]' \
    - "$IMAGE" >/dev/null
}

log "building $IMAGE from $binary ($("$binary" --version 2>&1 | head -1))"
build
log "$IMAGE ready ($fingerprint)"
