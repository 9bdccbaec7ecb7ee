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

IMAGE_LOG=redis-image
IMAGE_PACKAGE=redis-server
IMAGE_BIN_VAR=REDIS_BIN
# shellcheck source=../local-image.sh
source "$(dirname "$0")/../local-image.sh"

image_start "Redis integration tests (SharedStateIT)" "$@"
server=$(image_binary redis-server)
cli=$(image_binary redis-cli)
recipe=$(image_recipe "$server" "$cli")
exit_when_current "$image" REDIS_IMAGE_RECIPE "$recipe" binaries

image_rootfs bin etc data
cp "$server" "$rootfs/bin/redis-server"
cp "$cli" "$rootfs/bin/redis-cli"
image_log "building ${image} (recipe ${recipe}) from $("$rootfs/bin/redis-server" --version 2>&1 | head -n 1)"
# The C library, jemalloc, OpenSSL and the dynamic loader.
image_libraries_and_etc /data "$server" "$cli"

# No persistence: a restarted server starts empty, as a lost Redis would come back.
image_import \
  --change 'WORKDIR /data' \
  --change 'ENV PATH=/bin' \
  --change "ENV REDIS_IMAGE_RECIPE=${recipe}" \
  --change 'ENTRYPOINT ["/bin/redis-server"]' \
  --change 'CMD ["--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"]'
