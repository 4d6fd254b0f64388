#!/usr/bin/env bash
# The arm64 image (Raspberry Pi 4B, Jetson Nano), built and tried under emulation on an amd64 machine: registers
# qemu-user-static with binfmt_misc, makes an arm64 Debian base with debootstrap (cached), builds edgetrain for
# linux/arm64 (the build stage runs natively and picks ND4J's and libtorch's arm64 libraries; only the runtime
# stage is emulated), then runs `dataset verify` and a few ResNet-8 training batches on each engine inside it. Emulation is slow: this
# measures and reports, it does not benchmark. Needs root, a running engine or dockerd, and the amd64 build base
# that dev/checks/docker-real.sh makes (local/edgetrain-build:bookworm).
set -euo pipefail
cd "$(dirname "$0")/../.."
state="${EDGETRAIN_DOCKER_STATE:-/var/tmp/edgetrain-docker}"
cifar="${EDGETRAIN_CIFAR:-$PWD/../shared/datasets/cifar-10-binary.tar.gz}"
mkdir -p "$state"
say() { printf '[docker-arm64 %s] %s\n' "$(date +%T)" "$*" | tee -a "$state/arm64-report.txt"; }
fail() { say "FAILED: $*"; exit 1; }
docker=docker
[[ -x /usr/bin/docker ]] && docker=/usr/bin/docker
export DOCKER_BUILDKIT=1
$docker info >/dev/null 2>&1 || fail "no Docker engine answers (dev/checks/docker-real.sh --keep leaves one running)"
$docker image inspect local/edgetrain-build:bookworm >/dev/null 2>&1 || fail "no build base: run dev/checks/docker-real.sh first"

# --- emulation --------------------------------------------------------------------------------------------------
command -v qemu-aarch64-static >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null; }
[[ -e /proc/sys/fs/binfmt_misc/register ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
  || fail "cannot mount binfmt_misc (this VM does not let arm64 binaries run through qemu)"
update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
[[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || fail "qemu-aarch64 is not registered with binfmt_misc"
say "qemu-aarch64 registered with binfmt_misc"

# --- arm64 bases --------------------------------------------------------------------------------------------------
mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
[[ -n "$mirror" ]] || mirror="$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
if ! $docker image inspect local/debian:bookworm-arm64 >/dev/null 2>&1; then
  say "debootstrap bookworm for arm64 (its second stage runs under emulation)"
  t0=$(date +%s)
  rm -rf "$state/rootfs-arm64"
  debootstrap --arch=arm64 --variant=minbase bookworm "$state/rootfs-arm64" "$mirror" >"$state/debootstrap-arm64.log" 2>&1 \
    || fail "debootstrap arm64 (log: $state/debootstrap-arm64.log)"
  # `docker import --platform` is ignored by a non-experimental 20.10 engine (the image came out linux/amd64):
  # a FROM-scratch build for the platform gives the image its arm64 metadata.
  mkdir -p "$state/base-arm64"
  tar -C "$state/rootfs-arm64" -cf "$state/base-arm64/rootfs.tar" .
  printf 'FROM scratch\nADD rootfs.tar /\nCMD ["bash"]\n' >"$state/base-arm64/Dockerfile"
  $docker build --platform linux/arm64 -t local/debian:bookworm-arm64 "$state/base-arm64" >"$state/base-arm64.log" 2>&1 \
    || fail "arm64 base image (log: $state/base-arm64.log)"
  rm -rf "$state/rootfs-arm64" "$state/base-arm64"
  say "arm64 base made in $(( $(date +%s) - t0 )) s"
fi
t0=$(date +%s)
$docker build --platform linux/arm64 --build-arg BASE=local/debian:bookworm-arm64 -t local/edgetrain-runtime:bookworm-arm64 \
  -f docker/base/runtime.Dockerfile docker/base >"$state/runtime-arm64.log" 2>&1 \
  || fail "arm64 runtime base (log: $state/runtime-arm64.log)"
say "arm64 runtime base (Java 17 from Debian, installed under emulation) in $(( $(date +%s) - t0 )) s"

# --- the image ----------------------------------------------------------------------------------------------------
t0=$(date +%s)
$docker build --platform linux/arm64 --build-arg BUILD_BASE=local/edgetrain-build:bookworm \
  --build-arg RUNTIME_BASE=local/edgetrain-runtime:bookworm-arm64 -t edgetrain:arm64 -f docker/Dockerfile . \
  >"$state/build-arm64.log" 2>&1 || fail "arm64 image build (log: $state/build-arm64.log)"
size_mb=$(( $($docker image inspect -f '{{.Size}}' edgetrain:arm64) / 1000000 ))
say "edgetrain:arm64 built in $(( $(date +%s) - t0 )) s; size ${size_mb} MB; $($docker image inspect -f '{{.Os}}/{{.Architecture}}' edgetrain:arm64)"
arch=$($docker run --rm --platform linux/arm64 --entrypoint uname edgetrain:arm64 -m)
[[ "$arch" == aarch64 ]] || fail "the image runs as $arch, not aarch64"
natives=$($docker run --rm --platform linux/arm64 --entrypoint sh edgetrain:arm64 -c 'ls /opt/edgetrain/lib | grep -E "linux-(arm64|aarch64)" | paste -sd" "')
say "native libraries in the image: $natives"

# --- run it -------------------------------------------------------------------------------------------------------
data=(-v "$(dirname "$cifar"):/data:ro")
t0=$(date +%s)
$docker run --rm --platform linux/arm64 "${data[@]}" edgetrain:arm64 dataset verify --cifar "/data/$(basename "$cifar")" \
  >"$state/arm64-verify.txt" 2>&1 || fail "dataset verify under emulation (output: $state/arm64-verify.txt)"
say "dataset verify under emulation: OK in $(( $(date +%s) - t0 )) s"
# Emulated libtorch is far slower than emulated ND4J (0.4 images/s seen): it gets two batches, ND4J eight.
for run in dl4j:256 torch:64; do
  engine=${run%%:*} n=${run##*:}
  t0=$(date +%s)
  if $docker run --rm --platform linux/arm64 "${data[@]}" edgetrain:arm64 train-local --cifar "/data/$(basename "$cifar")" \
      --model resnet8 --engine "$engine" --epochs 1 --limit-train "$n" --limit-test 32 --batch 32 --threads 1 \
      >"$state/arm64-train-$engine.txt" 2>&1; then
    say "ResNet-8, $engine engine, $n images under emulation: trained and evaluated in $(( $(date +%s) - t0 )) s; $(grep -io 'accuracy[^,]*' "$state/arm64-train-$engine.txt" | tail -n 1)"
  else
    say "ResNet-8, $engine engine, under emulation: FAILED after $(( $(date +%s) - t0 )) s: $(grep -v '^\s*at ' "$state/arm64-train-$engine.txt" | tail -n 2 | tr '\n' ' ')"
    failed=1
  fi
done
[[ -z "${failed:-}" ]] || fail "an engine did not train under emulation (outputs in $state)"
say "arm64 image checked under emulation"
