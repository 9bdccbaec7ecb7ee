#!/usr/bin/env bash
# Builds the WireMock image that the starter's integration tests (starter/src/test/.../it/*IT.java)
# run with Testcontainers, without any container registry: a jlinked JRE, the shared libraries
# that it links against, and the WireMock standalone jar, imported with `docker import`.
#
# Usage: build-image.sh <wiremock-standalone.jar> <image:tag> [work-dir]
#
# Called by the starter's build in `pre-integration-test` (the jar comes from Maven). Builds only
# when the image is missing or was made by another version of this script. Without a Docker
# daemon it says so and exits 0: the ITs then skip themselves (@Testcontainers(disabledWithoutDocker)).
# Needs Linux (the JRE is copied from this machine into the image) and a JDK with jmods
# (on Debian: apt-get install openjdk-17-jdk-headless). Uses the JDK in JAVA_HOME, else jlink on PATH.
set -euo pipefail

log() { echo "[wiremock-image] $*"; }

if [[ $# -lt 2 ]]; then
  echo "usage: $0 <wiremock-standalone.jar> <image:tag> [work-dir]" >&2
  exit 2
fi
jar=$1
image=$2
work=${3:-$(mktemp -d)}

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  log "SKIPPED: no Docker daemon answers 'docker info', so ${image} is not built and the"
  log "WireMock integration tests (*IT) will be skipped. Start Docker to run them (see docs/testing.md)."
  exit 0
fi

# Every line of this script is part of the recipe: a changed script rebuilds the image.
recipe=$(sha256sum < "$0" | cut -c1-16)
current=$(docker image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$image" 2>/dev/null \
  | sed -n 's/^WIREMOCK_IMAGE_RECIPE=//p' || true)
if [[ "$current" == "$recipe" ]]; then
  log "${image} is present (recipe ${recipe}); nothing to build."
  exit 0
fi

if [[ "$(uname -s)" != Linux ]]; then
  log "ERROR: ${image} is missing and can only be built on Linux (it copies this machine's JRE)." >&2
  log "Build it on Linux, or skip the integration tests with -DskipITs." >&2
  exit 1
fi
[[ -f "$jar" ]] || { log "ERROR: no WireMock jar at ${jar}" >&2; exit 1; }

jlink=jlink
if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/jlink" ]]; then
  jlink="${JAVA_HOME}/bin/jlink"
fi
command -v "$jlink" >/dev/null 2>&1 || { log "ERROR: jlink not found: set JAVA_HOME to a JDK" >&2; exit 1; }

start=$(date +%s)
log "building ${image} (recipe ${recipe}) in ${work}"
rootfs="${work}/rootfs"
rm -rf "$rootfs"
mkdir -p "$rootfs"/{opt/wiremock,home/wiremock/mappings,home/wiremock/__files,etc}
mkdir -m 1777 "$rootfs/tmp"

# The modules that `jdeps --print-module-deps` finds in wiremock-standalone 3.13.
modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.scripting,java.security.jgss,java.sql,java.xml,jdk.unsupported
if ! "$jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --generate-cds-archive --output "$rootfs/opt/java"; then
  log "ERROR: jlink failed. Its JDK needs the jmods folder (on Debian: apt-get install openjdk-17-jdk-headless)." >&2
  exit 1
fi

# The shared libraries the JRE links against, and the dynamic loader, at the paths they have here.
# Libraries ldd cannot find belong to parts of AWT that a headless WireMock never loads.
find "$rootfs/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
  | xargs -0 ldd 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' \
  | sort -u \
  | while read -r lib; do cp -L --parents "$lib" "$rootfs"; done

cp "$jar" "$rootfs/opt/wiremock/wiremock-standalone.jar"
echo 'root:x:0:0:root:/home/wiremock:/sbin/nologin' > "$rootfs/etc/passwd"
echo 'root:x:0:' > "$rootfs/etc/group"

tar -C "$rootfs" -c . | docker import \
  --change 'WORKDIR /home/wiremock' \
  --change "ENV WIREMOCK_IMAGE_RECIPE=${recipe}" \
  --change 'ENTRYPOINT ["/opt/java/bin/java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-jar", "/opt/wiremock/wiremock-standalone.jar", "--root-dir", "/home/wiremock"]' \
  - "$image" >/dev/null
rm -rf "$rootfs"
log "built ${image} in $(($(date +%s) - start)) s"
