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

IMAGE_LOG=wiremock-image
# shellcheck source=../local-image.sh
source "$(dirname "$0")/../local-image.sh"

if [[ $# -lt 2 ]]; then
  echo "usage: $0 <wiremock-standalone.jar> <image:tag> [work-dir]" >&2
  exit 2
fi
jar=$1
shift
image_start "WireMock integration tests (*IT)" "$@"
recipe=$(image_recipe)
exit_when_current "$image" WIREMOCK_IMAGE_RECIPE "$recipe" JRE
[[ -f "$jar" ]] || { image_log "ERROR: no WireMock jar at ${jar}" >&2; exit 1; }

jlink=jlink
if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/jlink" ]]; then
  jlink="${JAVA_HOME}/bin/jlink"
fi
command -v "$jlink" >/dev/null 2>&1 || { image_log "ERROR: jlink not found: set JAVA_HOME to a JDK" >&2; exit 1; }

image_log "building ${image} (recipe ${recipe}) in ${work}"
image_rootfs opt/wiremock home/wiremock/mappings home/wiremock/__files etc

# The modules that `jdeps --print-module-deps` finds in wiremock-standalone 3.13.
modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.scripting,java.security.jgss,java.sql,java.xml,jdk.unsupported
if ! "$jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --generate-cds-archive --output "$rootfs/opt/java"; then
  image_log "ERROR: jlink failed. Its JDK needs the jmods folder (on Debian: apt-get install openjdk-17-jdk-headless)." >&2
  exit 1
fi

# The shared libraries the JRE links against, and the dynamic loader, at the paths they have here.
# Libraries ldd cannot find belong to parts of AWT that a headless WireMock never loads.
mapfile -d '' jre < <(find "$rootfs/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0)
image_libraries "${jre[@]}"

cp "$jar" "$rootfs/opt/wiremock/wiremock-standalone.jar"
image_root_user /home/wiremock

image_import \
  --change 'WORKDIR /home/wiremock' \
  --change "ENV WIREMOCK_IMAGE_RECIPE=${recipe}" \
  --change 'ENTRYPOINT ["/opt/java/bin/java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-jar", "/opt/wiremock/wiremock-standalone.jar", "--root-dir", "/home/wiremock"]'
