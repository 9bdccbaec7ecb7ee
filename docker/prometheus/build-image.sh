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

IMAGE_LOG=prometheus-image
IMAGE_PACKAGE=prometheus
IMAGE_BIN_VAR=PROMETHEUS_BIN
# shellcheck source=../local-image.sh
source "$(dirname "$0")/../local-image.sh"

image_start "Prometheus integration test (DashboardIT)" "$@"
prometheus=$(image_binary prometheus)
promtool=$(image_binary promtool)
recipe=$(image_recipe "$prometheus" "$promtool")
exit_when_current "$image" PROMETHEUS_IMAGE_RECIPE "$recipe" binaries

version=$("$prometheus" --version 2>&1 | head -n 1)
image_log "building ${image} (recipe ${recipe}) from ${version}"
image_rootfs bin etc/prometheus prometheus
cp "$prometheus" "$rootfs/bin/prometheus"
cp "$promtool" "$rootfs/bin/promtool"
# Debian builds them with cgo: they need the C library and the dynamic loader. Scrape targets are IP
# addresses.
image_libraries_and_etc /prometheus "$prometheus" "$promtool"

image_import \
  --change 'WORKDIR /prometheus' \
  --change 'ENV PATH=/bin' \
  --change "ENV PROMETHEUS_IMAGE_RECIPE=${recipe}" \
  --change 'ENTRYPOINT ["/bin/prometheus"]' \
  --change 'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'
