#!/usr/bin/env bash
# Builds the Prometheus image that the sample app's dashboard integration test
# (sample-app/src/test/.../sample/it/DashboardIT.java) runs with Testcontainers, without any container
# registry: the prometheus and promtool binaries of Debian's `prometheus` package installed on this
# machine, the shared libraries they link against, and an empty data directory, imported with
# `docker import`.
#
# Usage: build-image.sh <image:tag> [work-dir]
#
# Called by the sample app's build in `pre-integration-test`. Builds only when the image is missing,
# or was made by another version of this script or from other binaries. Without a Docker daemon it
# says so and exits 0: the IT then skips itself (@Testcontainers(disabledWithoutDocker)).
# Needs Linux and Debian's package (apt-get install --no-install-recommends prometheus); the
# binaries are looked up on PATH, or in PROMETHEUS_BIN (a directory) when that is set.
set -euo pipefail

log() { echo "[prometheus-image] $*"; }

if [[ $# -lt 1 ]]; then
  echo "usage: $0 <image:tag> [work-dir]" >&2
  exit 2
fi
image=$1
work=${2:-$(mktemp -d)}

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  log "SKIPPED: no Docker daemon answers 'docker info', so ${image} is not built and the"
  log "Prometheus integration test (DashboardIT) will be skipped. Start Docker to run it (see docs/testing.md)."
  exit 0
fi

binary() {
  local name=$1 path
  if [[ -n "${PROMETHEUS_BIN:-}" ]]; then
    path="${PROMETHEUS_BIN}/${name}"
  else
    path=$(command -v "$name" || true)
  fi
  if [[ -z "$path" || ! -x "$path" ]]; then
    log "ERROR: no ${name} binary${PROMETHEUS_BIN:+ in ${PROMETHEUS_BIN}}. Install Debian's package:" >&2
    log "  apt-get install --no-install-recommends prometheus" >&2
    log "or skip the integration tests with -DskipITs." >&2
    exit 1
  fi
  readlink -f "$path"
}
prometheus=$(binary prometheus)
promtool=$(binary promtool)

# The script and the binaries are the recipe: a changed script or an upgraded package rebuilds the image.
recipe=$(cat "$0" "$prometheus" "$promtool" | sha256sum | cut -c1-16)
current=$(docker image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$image" 2>/dev/null \
  | sed -n 's/^PROMETHEUS_IMAGE_RECIPE=//p' || true)
if [[ "$current" == "$recipe" ]]; then
  log "${image} is present (recipe ${recipe}); nothing to build."
  exit 0
fi

if [[ "$(uname -s)" != Linux ]]; then
  log "ERROR: ${image} is missing and can only be built on Linux (it copies this machine's binaries)." >&2
  log "Build it on Linux, or skip the integration tests with -DskipITs." >&2
  exit 1
fi

start=$(date +%s)
version=$("$prometheus" --version 2>&1 | head -n 1)
log "building ${image} (recipe ${recipe}) from ${version}"
rootfs="${work}/rootfs"
rm -rf "$rootfs"
mkdir -p "$rootfs"/{bin,etc/prometheus,prometheus}
mkdir -m 1777 "$rootfs/tmp"
cp "$prometheus" "$rootfs/bin/prometheus"
cp "$promtool" "$rootfs/bin/promtool"

# Debian builds them with cgo: the C library and the dynamic loader, at the paths they have here.
ldd "$prometheus" "$promtool" 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' \
  | sort -u \
  | while read -r lib; do cp -L --parents "$lib" "$rootfs"; done

echo 'root:x:0:0:root:/prometheus:/sbin/nologin' > "$rootfs/etc/passwd"
echo 'root:x:0:' > "$rootfs/etc/group"
# Scrape targets are IP addresses; name lookups, if any, go to the files only.
echo 'hosts: files' > "$rootfs/etc/nsswitch.conf"
echo '127.0.0.1 localhost' > "$rootfs/etc/hosts"

tar -C "$rootfs" -c . | docker import \
  --change 'WORKDIR /prometheus' \
  --change 'ENV PATH=/bin' \
  --change "ENV PROMETHEUS_IMAGE_RECIPE=${recipe}" \
  --change 'ENTRYPOINT ["/bin/prometheus"]' \
  --change 'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]' \
  - "$image" >/dev/null
rm -rf "$rootfs"
log "built ${image} in $(($(date +%s) - start)) s"
