# Shared by docker/prometheus/build-image.sh, docker/redis/build-image.sh and
# docker/wiremock/build-image.sh, which source it: an image that the integration tests run with
# Testcontainers, made without any container registry from what is installed on this machine (a Debian
# package's binaries, or a jlinked JRE), the shared libraries it links against and a minimal /etc,
# imported with `docker import`.
#
# The sourcing script sets, before calling these functions:
#   IMAGE_LOG      the log prefix, e.g. redis-image
#   IMAGE_PACKAGE  the Debian package of the binaries, e.g. redis-server (for image_binary)
#   IMAGE_BIN_VAR  the name of the variable that may name a directory to take the binaries from
#                  (for image_binary)

image_log() { echo "[${IMAGE_LOG}] $*"; }

# Read the arguments <image:tag> [work-dir] into the variables image and work, and exit 0 with a
# message when no Docker daemon answers: the integration tests then skip themselves.
# $1: what will be skipped, then the arguments.
image_start() {
  local skipped=$1
  shift
  if [[ $# -lt 1 ]]; then
    echo "usage: $0 <image:tag> [work-dir]" >&2
    exit 2
  fi
  image=$1
  work=${2:-$(mktemp -d)}
  if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
    image_log "SKIPPED: no Docker daemon answers 'docker info', so ${image} is not built and the"
    image_log "${skipped} will be skipped. Start Docker to run them (see docs/testing.md)."
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

# The scripts and the files they copy are the recipe: a changed script or an upgraded package rebuilds
# the image. Print it. $@: the files copied into the image, if they are to count.
image_recipe() {
  cat "$0" "${BASH_SOURCE[0]}" "$@" | sha256sum | cut -c1-16
}

# Exit 0 when the image was built from this recipe; exit 1 when it must be built and this is not Linux.
# $1: the image, $2: the recipe's variable, $3: the recipe, $4: what is copied from this machine.
exit_when_current() {
  local current
  current=$(docker image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$1" 2>/dev/null \
    | sed -n "s/^$2=//p" || true)
  if [[ "$current" == "$3" ]]; then
    image_log "$1 is present (recipe $3); nothing to build."
    exit 0
  fi
  if [[ "$(uname -s)" != Linux ]]; then
    image_log "ERROR: $1 is missing and can only be built on Linux (it copies this machine's $4)." >&2
    image_log "Build it on Linux, or skip the integration tests with -DskipITs." >&2
    exit 1
  fi
}

# Start the root file system in ${work}/rootfs, with the directories given and a /tmp everyone may
# write, into the variables rootfs and start (the time the build started). $@: the directories.
image_rootfs() {
  start=$(date +%s)
  rootfs="${work}/rootfs"
  rm -rf "$rootfs"
  mkdir -p "$rootfs"
  (cd "$rootfs" && mkdir -p "$@")
  mkdir -m 1777 "$rootfs/tmp"
}

# Copy the shared libraries the files link against and the dynamic loader into the root file system,
# at the paths they have here. Libraries ldd cannot find are left out. $@: the files.
image_libraries() {
  ldd "$@" 2>/dev/null \
    | awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' \
    | sort -u \
    | while read -r lib; do cp -L --parents "$lib" "$rootfs"; done
}

# Write root's entries of /etc/passwd and /etc/group. $1: root's home.
image_root_user() {
  mkdir -p "$rootfs/etc"
  echo "root:x:0:0:root:$1:/sbin/nologin" > "$rootfs/etc/passwd"
  echo 'root:x:0:' > "$rootfs/etc/group"
}

# Copy the shared libraries the binaries link against and the dynamic loader, and write a minimal
# /etc. $1: root's home, then the binaries.
image_libraries_and_etc() {
  local home=$1
  shift
  image_libraries "$@"
  image_root_user "$home"
  # Names, if any are looked up, go to the files only.
  echo 'hosts: files' > "$rootfs/etc/nsswitch.conf"
  echo '127.0.0.1 localhost' > "$rootfs/etc/hosts"
}

# Import the root file system as the image, with the `docker import --change` options given, and
# remove it. $@: the options.
image_import() {
  tar -C "$rootfs" -c . | docker import "$@" - "$image" >/dev/null
  rm -rf "$rootfs"
  image_log "built ${image} in $(($(date +%s) - start)) s"
}
