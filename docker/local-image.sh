# Shared by docker/prometheus/build-image.sh and docker/redis/build-image.sh, which source it: an image
# made, without any container registry, of binaries of a Debian package installed on this machine,
# the shared libraries they link against, and a minimal /etc, imported with `docker import`.
#
# The sourcing script sets, before calling these functions:
#   IMAGE_LOG      the log prefix, e.g. redis-image
#   IMAGE_PACKAGE  the Debian package of the binaries, e.g. redis-server
#   IMAGE_BIN_VAR  the name of the variable that may name a directory to take the binaries from

image_log() { echo "[${IMAGE_LOG}] $*"; }

# Exit 0 with a message when no Docker daemon answers: the integration tests then skip themselves.
# $1: the image, $2: what will be skipped.
exit_without_docker() {
  if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
    image_log "SKIPPED: no Docker daemon answers 'docker info', so $1 is not built and the"
    image_log "$2 will be skipped. Start Docker to run them (see docs/testing.md)."
    exit 0
  fi
}

# Print the real path of a binary of the package: from PATH, or from the directory the variable
# named by IMAGE_BIN_VAR gives. Debian's redis-server is a link to redis-check-rdb (one binary that acts
# by the name it is run as), so the link is resolved.
image_binary() {
  local name=$1 dir=${!IMAGE_BIN_VAR:-} path
  if [[ -n "$dir" ]]; then
    path="${dir}/${name}"
  else
    path=$(command -v "$name" || true)
  fi
  if [[ -z "$path" || ! -x "$path" ]]; then
    image_log "ERROR: no ${name} binary${dir:+ in ${dir}}. Install Debian's package:" >&2
    image_log "  apt-get install --no-install-recommends ${IMAGE_PACKAGE}" >&2
    image_log "or skip the integration tests with -DskipITs." >&2
    exit 1
  fi
  readlink -f "$path"
}

# The scripts and the binaries are the recipe: a changed script or an upgraded package rebuilds the
# image. Print it. $@: the binaries.
image_recipe() {
  cat "$0" "${BASH_SOURCE[0]}" "$@" | sha256sum | cut -c1-16
}

# Exit 0 when the image was built from this recipe. $1: the image, $2: the recipe's variable, $3: the recipe.
exit_when_current() {
  local current
  current=$(docker image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$1" 2>/dev/null \
    | sed -n "s/^$2=//p" || true)
  if [[ "$current" == "$3" ]]; then
    image_log "$1 is present (recipe $3); nothing to build."
    exit 0
  fi
  if [[ "$(uname -s)" != Linux ]]; then
    image_log "ERROR: $1 is missing and can only be built on Linux (it copies this machine's binaries)." >&2
    image_log "Build it on Linux, or skip the integration tests with -DskipITs." >&2
    exit 1
  fi
}

# Copy the shared libraries the binaries link against and the dynamic loader into the root file
# system, at the paths they have here, and write a minimal /etc. $1: the root file system, $2: root's
# home, then the binaries.
image_libraries_and_etc() {
  local rootfs=$1 home=$2
  shift 2
  ldd "$@" 2>/dev/null \
    | awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' \
    | sort -u \
    | while read -r lib; do cp -L --parents "$lib" "$rootfs"; done
  mkdir -p "$rootfs/etc"
  echo "root:x:0:0:root:${home}:/sbin/nologin" > "$rootfs/etc/passwd"
  echo 'root:x:0:' > "$rootfs/etc/group"
  # Names, if any are looked up, go to the files only.
  echo 'hosts: files' > "$rootfs/etc/nsswitch.conf"
  echo '127.0.0.1 localhost' > "$rootfs/etc/hosts"
}
