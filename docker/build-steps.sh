#!/usr/bin/env bash
# The image's build steps, as a script that runs the same inside `docker build` and on any Linux machine with a
# JDK 17 and Maven: builds edgetrain for this machine's architecture and lays out a self-contained install:
#   OUT/lib/*.jar               every runtime jar (ND4J's native build for amd64 or arm64 is picked by Maven:
#                               the arm64 profile activates on aarch64)
#   OUT/edgetrain-jvm.flags     the JVM flags from the parent POM
#   OUT/edgetrain-device-jvm.flags  what a device process (node) adds to them, also from the parent POM
#   OUT/ignite-config/          node and logging configurations
#   OUT/bin/edgetrain           launcher
# Usage: [EDGETRAIN_TARGET_ARCH=amd64|arm64] docker/build-steps.sh OUT
#   EDGETRAIN_TARGET_ARCH: the architecture to install for (Docker's TARGETARCH), default this machine's; arm64 on
#   another machine activates the arm64-cross profile (the arm64 native libraries; on aarch64 the arm64 profile
#   activates by itself).
set -euo pipefail
out="${1:?usage: docker/build-steps.sh OUT}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
profile=()
if [[ "${EDGETRAIN_TARGET_ARCH:-}" == arm64 && "$(uname -m)" != aarch64 ]]; then
  # Both activate profiles by property, which reaches the installed POMs of the modules and of JavaCPP: the
  # classifiers of every native library are read there (a -P profile would reach this build's own POMs only).
  profile=(-Dedgetrain.arch=arm64 -Djavacpp.platform=linux-arm64)
fi
mvn -q -B -Dstyle.color=never "${profile[@]}" -DskipTests install   # install: the copy below takes the sibling modules from the local repository
rm -rf "$out" && mkdir -p "$out/lib" "$out/bin"
mvn -q -B -Dstyle.color=never "${profile[@]}" -pl bench dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out/lib"
cp bench/target/edgetrain-bench-*.jar "$out/lib/"
cp compute/target/classes/edgetrain-jvm.flags compute/target/classes/edgetrain-device-jvm.flags "$out/"
cp -r ignite-config "$out/"
cat > "$out/bin/edgetrain" <<'LAUNCHER'
#!/usr/bin/env bash
# Installed launcher: runs edgetrain from OUT/lib with the flags the build produced.
set -euo pipefail
home="$(cd "$(dirname "$0")/.." && pwd)"
read -r -a flags < "$home/edgetrain-jvm.flags"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
# jemalloc where installed, unless LD_PRELOAD is set, as bin/edgetrain does (README, "Memory"): with glibc's allocator
# a device's native memory only grew through an epoch and the torch engine trained at a fifth to a half of its speed;
# without the oversize arena every step faulted pages in again.
if [[ -z "${LD_PRELOAD+set}" ]]; then
  for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/aarch64-linux-gnu/libjemalloc.so.2; do
    if [[ -r "$lib" ]]; then
      export LD_PRELOAD="$lib" MALLOC_CONF="${MALLOC_CONF:-oversize_threshold:0}"
      break
    fi
  done
fi
# A device process also takes the device flags (C1 only, a 48 MB young generation: the parent pom.xml says why).
if [[ "${1:-}" == node ]]; then
  read -r -a device_flags < "$home/edgetrain-device-jvm.flags"
  flags+=("${device_flags[@]}")
fi
exec java "${flags[@]}" -Xmx"${EDGETRAIN_HEAP:-1g}" "${EDGETRAIN_GC:--XX:+UseParallelGC}" -Djava.net.preferIPv4Stack=true \
  -DIGNITE_QUIET=true -DIGNITE_UPDATE_NOTIFIER=false -Dedgetrain.home="$home" \
  -DIGNITE_MARSHALLER_WHITELIST="$home/ignite-config/marshaller-allowlist.txt" \
  -Dedgetrain.device="${EDGETRAIN_DEVICE_NAME:-node}" -Dedgetrain.log.dir="${EDGETRAIN_LOG_DIR:-$home/logs}" \
  -Dlog4j2.configurationFile="${EDGETRAIN_LOG_CONFIG:-$home/ignite-config/log4j2-node.xml}" ${EDGETRAIN_JAVA_OPTS:-} \
  -cp "$home/lib/*" org.edgetrain.bench.Main "$@"
LAUNCHER
chmod +x "$out/bin/edgetrain"
echo "installed edgetrain for ${EDGETRAIN_TARGET_ARCH:-$(uname -m)} in $out"
