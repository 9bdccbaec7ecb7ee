#!/usr/bin/env bash
# Builds the Redis image that the starter's shared-state integration tests
# (starter/src/test/.../it/SharedStateIT.java) run with Testcontainers, without any container registry:
# the redis-server and redis-cli binaries of Debian's `redis-server` package (7.0 on Debian 12) installed
# on this machine, the shared libraries they link against, and an empty data directory, imported with
# `docker import`.
#
# Usage: build-image.sh <image:tag> [work-dir]
#
# Called by the starter's build in `pre-integration-test`. Builds only when the image is missing, or was
# made by another version of this script or from other binaries. Without a Docker daemon it says so and
# exits 0: the ITs then skip themselves (@Testcontainers(disabledWithoutDocker)).
# Needs Linux and Debian's package (apt-get install --no-install-recommends redis-server); the binaries
# are looked up on PATH, or in REDIS_BIN (a directory) when that is set.
set -euo pipefail

log() { echo "[redis-image] $*"; }

if [[ $# -lt 1 ]]; then
  echo "usage: $0 <image:tag> [work-dir]" >&2
  exit 2
fi
image=$1
work=${2:-$(mktemp -d)}

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  log "SKIPPED: no Docker daemon answers 'docker info', so ${image} is not built and the"
  log "Redis integration tests (SharedStateIT) will be skipped. Start Docker to run them (see docs/testing.md)."
  exit 0
fi

binary() {
  local name=$1 path
  if [[ -n "${REDIS_BIN:-}" ]]; then
    path="${REDIS_BIN}/${name}"
  else
    path=$(command -v "$name" || true)
  fi
  if [[ -z "$path" || ! -x "$path" ]]; then
    log "ERROR: no ${name} binary${REDIS_BIN:+ in ${REDIS_BIN}}. Install Debian's package:" >&2
    log "  apt-get install --no-install-recommends redis-server" >&2
    log "or skip the integration tests with -DskipITs." >&2
    exit 1
  fi
  # Debian's redis-server is a link to redis-check-rdb: one binary that acts by the name it is run as.
  readlink -f "$path"
}
server=$(binary redis-server)
cli=$(binary redis-cli)

# The script and the binaries are the recipe: a changed script or an upgraded package rebuilds the image.
recipe=$(cat "$0" "$server" "$cli" | sha256sum | cut -c1-16)
current=$(docker image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$image" 2>/dev/null \
  | sed -n 's/^REDIS_IMAGE_RECIPE=//p' || true)
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
rootfs="${work}/rootfs"
rm -rf "$rootfs"
mkdir -p "$rootfs"/{bin,etc,data}
mkdir -m 1777 "$rootfs/tmp"
cp "$server" "$rootfs/bin/redis-server"
cp "$cli" "$rootfs/bin/redis-cli"
log "building ${image} (recipe ${recipe}) from $("$rootfs/bin/redis-server" --version 2>&1 | head -n 1)"

# The C library, jemalloc, OpenSSL and the dynamic loader, at the paths they have here.
ldd "$server" "$cli" 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' \
  | sort -u \
  | while read -r lib; do cp -L --parents "$lib" "$rootfs"; done

echo 'root:x:0:0:root:/data:/sbin/nologin' > "$rootfs/etc/passwd"
echo 'root:x:0:' > "$rootfs/etc/group"
echo 'hosts: files' > "$rootfs/etc/nsswitch.conf"
echo '127.0.0.1 localhost' > "$rootfs/etc/hosts"

# No persistence: a restarted server starts empty, as a lost Redis would come back.
tar -C "$rootfs" -c . | docker import \
  --change 'WORKDIR /data' \
  --change 'ENV PATH=/bin' \
  --change "ENV REDIS_IMAGE_RECIPE=${recipe}" \
  --change 'ENTRYPOINT ["/bin/redis-server"]' \
  --change 'CMD ["--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"]' \
  - "$image" >/dev/null
rm -rf "$rootfs"
log "built ${image} in $(($(date +%s) - start)) s"
