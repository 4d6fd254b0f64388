#!/usr/bin/env bash
# Docker for real, from a clean state: starts a Docker engine if none answers, makes local base images (no image
# registry needed: debootstrap from this machine's Debian mirror, cached), builds the edgetrain image, runs the
# compose fleet with its CPU and memory limits, trains a short job to the end, crashes a device mid-training, stops one
# gracefully, restarts a persistent fleet mid-job, and reports image size, build time, calibration (beside cluster
# up's) and each container's memory peak.
# Exits non-zero when any check fails. Needs root and Debian's docker.io, docker-compose, debootstrap (installed
# when missing). Not part of .ci/run (it takes ~9 minutes and an engine); every change to docker/ must pass it.
#   dev/checks/docker-real.sh [--images N] [--epochs E] [--keep]
#     --images N   training images of the job (default 4000: minutes, not hours)
#     --epochs E   epochs of the job (default 3)
#     --keep       leave the fleet running afterwards (docker-compose -p edgetrain-check ... down -v to remove)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
images=4000 epochs=3 keep=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --images) images="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --keep) keep=true; shift ;;
    *) echo "docker-real: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
state="${EDGETRAIN_DOCKER_STATE:-/var/tmp/edgetrain-docker}"   # cached base root file system, engine log, reports
cifar="${EDGETRAIN_CIFAR:-$root/../shared/datasets/cifar-10-binary.tar.gz}"
mkdir -p "$state"
report="$state/report.txt"
: > "$report"
say() { printf '[docker-real %s] %s\n' "$(date +%T)" "$*" | tee -a "$report"; }
fail() { say "FAILED: $*"; exit 1; }
[[ -f "$cifar" ]] || fail "no CIFAR-10 archive at $cifar (set EDGETRAIN_CIFAR)"

# --- tools and engine ------------------------------------------------------------------------------------------
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [[ ${#missing[@]} -gt 0 ]]; then
  say "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Docker 20.10's own client builds with BuildKit (RUN --mount); a newer client without buildx would not.
docker=docker
[[ -x /usr/bin/docker ]] && docker=/usr/bin/docker
export DOCKER_BUILDKIT=1
compose=(docker-compose -p edgetrain-check -f docker/compose.yaml)
started_engine=""
# Client nodes on the host bind every address (lan.properties): the loopback-only default cannot reach the containers.
host_node=(--config ignite-config/lan.properties)
discovery() { # the devices' discovery addresses as the host reaches them (container addresses), for client nodes
  for d in pc-1 jetson-nano-1 rpi4-1; do
    $docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1_${d}_1" 2>/dev/null
  done | grep . | sed 's/$/:47500/' | paste -sd,
}
down() { # down PROJECT COMPOSE-ARGS...: a whole-fleet stop as a user does it (prepare-down, then docker-compose down)
  local project=$1; shift
  local peers; peers="$(discovery "$project")"
  [[ -n "$peers" ]] && timeout 90 bin/edgetrain cluster prepare-down "${host_node[@]}" --discovery "$peers" >>"$state/compose.log" 2>&1
  docker-compose -p "$project" "$@" --profile job down --remove-orphans >>"$state/compose.log" 2>&1
}
cleanup() {
  local code=$?
  if [[ "$keep" != true ]]; then
    down edgetrain-check -f docker/compose.yaml || true
    down edgetrain-persist -f docker/compose.yaml -f docker/compose.persistent.yaml || true
    docker volume rm edgetrain-check_edgetrain-state edgetrain-persist_edgetrain-state edgetrain-persist_pc-1-data \
      edgetrain-persist_jetson-nano-1-data edgetrain-persist_rpi4-1-data >/dev/null 2>&1 || true
  fi
  if [[ -n "$started_engine" && "$keep" != true ]]; then
    kill "$started_engine" 2>/dev/null || true
    wait "$started_engine" 2>/dev/null || true
  fi
  [[ $code -eq 0 ]] && say "all checks passed (report: $report)" || say "exit $code (engine log: $state/dockerd.log)"
}
trap cleanup EXIT
if ! $docker info >/dev/null 2>&1; then
  say "starting dockerd (log: $state/dockerd.log)"
  dockerd >"$state/dockerd.log" 2>&1 &
  started_engine=$!
  for _ in $(seq 60); do $docker info >/dev/null 2>&1 && break; sleep 1; done
  $docker info >/dev/null 2>&1 || fail "dockerd did not answer within 60 s"
fi

# --- base images, made locally ----------------------------------------------------------------------------------
mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
[[ -n "$mirror" ]] || mirror="$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
if ! $docker image inspect local/debian:bookworm >/dev/null 2>&1; then
  [[ -n "$mirror" ]] || fail "no Debian mirror found in /etc/apt to make the base image from"
  say "debootstrap bookworm (minbase) from this machine's Debian mirror"
  rm -rf "$state/rootfs"
  debootstrap --variant=minbase bookworm "$state/rootfs" "$mirror" >"$state/debootstrap.log" 2>&1 \
    || fail "debootstrap failed (log: $state/debootstrap.log)"
  tar -C "$state/rootfs" -c . | $docker import - local/debian:bookworm >/dev/null
  rm -rf "$state/rootfs"
fi
say "base images: JDK + Maven for the build stage, Java runtime for the image"
context="$state/base-context"
rm -rf "$context" && mkdir -p "$context/extra-ca"
cp docker/base/*.Dockerfile "$context/"
cp /usr/local/share/ca-certificates/*.crt "$context/extra-ca/" 2>/dev/null || true   # the host's own CAs, if any
$docker build -q -t local/edgetrain-build:bookworm -f "$context/build.Dockerfile" "$context" >"$state/base.log" 2>&1 \
  || fail "build base image (log: $state/base.log)"
$docker build -q -t local/edgetrain-runtime:bookworm -f "$context/runtime.Dockerfile" "$context" >"$state/base.log" 2>&1 \
  || fail "runtime base image (log: $state/base.log)"

# --- the image --------------------------------------------------------------------------------------------------
say "building edgetrain:latest for $(uname -m)"
t0=$(date +%s)
$docker build --progress=plain --build-arg BUILD_BASE=local/edgetrain-build:bookworm \
  --build-arg RUNTIME_BASE=local/edgetrain-runtime:bookworm -t edgetrain:latest -f docker/Dockerfile . \
  >"$state/build.log" 2>&1 || fail "image build failed (log: $state/build.log)"
size_mb=$(( $($docker image inspect -f '{{.Size}}' edgetrain:latest) / 1000000 ))
say "image built in $(( $(date +%s) - t0 )) s; size ${size_mb} MB"
if $docker run --rm --entrypoint sh edgetrain:latest -c 'command -v mvn || command -v javac' >/dev/null; then
  fail "the image carries a build tool (mvn or javac)"
fi
$docker run --rm -v "$(dirname "$cifar"):/data:ro" edgetrain:latest dataset verify --cifar "/data/$(basename "$cifar")" \
  >>"$report" || fail "dataset verify inside the image"

# --- the compose fleet ------------------------------------------------------------------------------------------
export EDGETRAIN_DATA="$(dirname "$cifar")"
export EDGETRAIN_TRAIN_ARGS="--model resnet8 --epochs $epochs --limit-train $images --round-seconds 10"
export EDGETRAIN_CIFAR_FILE="$(basename "$cifar")"
"${compose[@]}" --profile job down -v --remove-orphans >/dev/null 2>&1 || true
docker-compose -p edgetrain-persist -f docker/compose.yaml -f docker/compose.persistent.yaml --profile job down -v \
  --remove-orphans >/dev/null 2>&1 || true
say "compose fleet up: pc-1, jetson-nano-1, rpi4-1"
"${compose[@]}" up -d pc-1 jetson-nano-1 rpi4-1 >>"$state/compose.log" 2>&1 || fail "docker-compose up"
url="jdbc:ignite:thin://127.0.0.1:10800"
sql() { bin/edgetrain sql --url "$url" "$@" 2>>"$state/sql.err"; }
scalar() { sql --csv "$1" | tail -n 1 | cut -d, -f1 | grep -E '^[0-9]+$' || echo 0; }   # one number, 0 when unreadable
servers() { scalar "SELECT COUNT(*) FROM SYS.NODES WHERE NOT IS_CLIENT"; }
committed() { scalar "SELECT COUNT(*) FROM ROUNDS WHERE COMMITTED"; }
await() { # await SECONDS WHAT COMMAND...: polls COMMAND until it succeeds
  local seconds=$1 what=$2; shift 2
  for _ in $(seq "$seconds"); do "$@" && return 0; sleep 1; done
  fail "not within $seconds s: $what"
}
three() { [[ "$(servers)" == 3 ]]; }
await 240 "three devices joined (host JDBC on the published port)" three
say "three devices joined; limits seen inside the containers:"
for d in pc-1 jetson-nano-1 rpi4-1; do
  quota=$($docker exec "edgetrain-check_${d}_1" sh -c 'cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"')
  mem=$($docker exec "edgetrain-check_${d}_1" sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes')
  calibration=$($docker logs "edgetrain-check_${d}_1" 2>&1 | grep -o 'measured itself: [0-9.]* images/s' | tail -n 1)
  say "  $d: cpu quota/period $quota, memory limit $(( mem / 1048576 )) MB; $calibration"
  # the device's JVM is process 1 (bin/edgetrain execs java): its allocator is jemalloc, as on a host device
  $docker exec "edgetrain-check_${d}_1" grep -q libjemalloc /proc/1/maps || fail "$d runs without jemalloc"
done
say "every device's process has jemalloc mapped"

say "trainer: load CIFAR-10, train ResNet-8 on $images images for $epochs epochs"
"${compose[@]}" --profile job up -d trainer >>"$state/compose.log" 2>&1 || fail "trainer did not start"
first_round() { [[ "$(committed)" -ge 1 ]]; }
await 300 "the first committed round" first_round
sql "SELECT DEVICE, DEVICE_CLASS, ROUND(AVG(IMAGES_PER_SECOND), 1) AS IMAGES_PER_S, ROUND(MAX(RESIDENT_MB)) AS RESIDENT_MB FROM DEVICE_ROUNDS GROUP BY DEVICE, DEVICE_CLASS ORDER BY DEVICE" | tee -a "$report"

# A crash, as the kernel's OOM killer or a fault ends a device: SIGKILL to its JVM from outside. (`docker kill` is not
# one: the engine marks a killed container stopped by hand, and no restart policy brings it back.)
say "crash of rpi4-1 mid-training: SIGKILL to its JVM (restart policy: unless-stopped)"
kill -9 "$($docker inspect -f '{{.State.Pid}}' edgetrain-check_rpi4-1_1)"
await 60 "rpi4-1 restarted by the engine" sh -c "test \"\$($docker inspect -f '{{.RestartCount}}' edgetrain-check_rpi4-1_1)\" -ge 1"
await 240 "rpi4-1 rejoined" three
say "rpi4-1 restarted by the engine and rejoined"

say "waiting for the job to finish"
await 1800 "the trainer finished" sh -c "test \"\$($docker inspect -f '{{.State.Status}}' edgetrain-check_trainer_1)\" = exited"
code=$($docker inspect -f '{{.State.ExitCode}}' edgetrain-check_trainer_1)
"${compose[@]}" --profile job logs --no-color trainer >"$state/trainer.log" 2>&1 || true
[[ "$code" == 0 ]] || fail "trainer exited $code (log: $state/trainer.log)"
bin/edgetrain status --discovery "$(discovery edgetrain-check)" >"$state/status.txt" 2>&1 \
  || fail "status from the host (output: $state/status.txt)"
say "status from the host:"; grep -v '^\[' "$state/status.txt" | tee -a "$report"
sql "SELECT EPOCH, ROUND(TEST_ACCURACY, 4) AS ACCURACY, IMAGES FROM EVALS ORDER BY EPOCH" | tee -a "$report"
epochs_done=$(scalar "SELECT COUNT(*) FROM EVALS")
[[ "$epochs_done" == "$epochs" ]] || fail "$epochs_done epochs evaluated, expected exactly $epochs"
samples=$(scalar "SELECT SUM(SAMPLES) FROM ROUNDS WHERE COMMITTED")
[[ "$samples" == "$(( images * epochs ))" ]] || fail "$samples samples committed, expected $(( images * epochs )) (exactly once)"
say "job finished: $epochs epochs, $samples samples committed (exactly once)"

say "containers' memory (peak where the kernel reports it):"
for d in pc-1 jetson-nano-1 rpi4-1; do
  c="edgetrain-check_${d}_1"
  oom=$($docker inspect -f '{{.State.OOMKilled}}' "$c")
  peak=$($docker exec "$c" sh -c 'cat /sys/fs/cgroup/memory.peak 2>/dev/null || cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes 2>/dev/null' 2>/dev/null || echo "")
  say "  $d: peak $([[ -n "$peak" ]] && echo "$(( peak / 1048576 )) MB" || echo "n/a"), OOM-killed: $oom"
  [[ "$oom" == false ]] || fail "$d was OOM-killed"
done

say "docker-compose stop jetson-nano-1 (a graceful leave)"
"${compose[@]}" stop jetson-nano-1 >>"$state/compose.log" 2>&1
two() { [[ "$(servers)" == 2 ]]; }
await 120 "the fleet saw jetson-nano-1 leave" two
left=$($docker inspect -f '{{.State.ExitCode}}' edgetrain-check_jetson-nano-1_1)
[[ "$left" != 137 ]] || fail "jetson-nano-1 had to be killed: its leave outlasted the stop grace period"
say "jetson-nano-1 left gracefully (exit code $left, not killed)"


# --- a persistent fleet survives down + up ----------------------------------------------------------------------
down edgetrain-check -f docker/compose.yaml
persist=(docker-compose -p edgetrain-persist -f docker/compose.yaml -f docker/compose.persistent.yaml)
say "persistent fleet (a data volume per device) up"
"${persist[@]}" up -d pc-1 jetson-nano-1 rpi4-1 >>"$state/compose.log" 2>&1 || fail "persistent fleet up"
# A new persistent fleet is inactive (no SQL) until a tool activates it: the devices' own logs say when all are in.
all_in() { for d in pc-1 jetson-nano-1 rpi4-1; do $docker logs "edgetrain-persist_${d}_1" 2>&1; done \
  | grep -q 'joined: 3 devices'; }
await 240 "three persistent devices joined" all_in
peers="$(discovery edgetrain-persist)"
bin/edgetrain dataset load --cifar "$cifar" "${host_node[@]}" --discovery "$peers" >>"$state/persist.log" 2>&1 || fail "dataset load (log: $state/persist.log)"
bin/edgetrain train --model resnet8 --epochs 4 --limit-train "$images" --round-seconds 10 --detach "${host_node[@]}" --discovery "$peers" \
  >>"$state/persist.log" 2>&1 || fail "train --detach (log: $state/persist.log)"
some_rounds() { [[ "$(committed)" -ge 4 ]]; }
await 600 "four committed rounds" some_rounds
say "stopping the whole fleet mid-job: cluster prepare-down, docker-compose down (volumes kept)"
down edgetrain-persist -f docker/compose.yaml -f docker/compose.persistent.yaml
"${persist[@]}" up -d pc-1 jetson-nano-1 rpi4-1 >>"$state/compose.log" 2>&1 || fail "persistent fleet up again"
await 240 "three persistent devices back" three
before=$(committed)
say "fleet back up with $before committed rounds kept; waiting for the job to finish"
four_epochs() { [[ "$(scalar "SELECT COUNT(*) FROM EVALS")" -ge 4 ]]; }
await 900 "the resumed job finished 4 epochs" four_epochs
samples=$(scalar "SELECT SUM(SAMPLES) FROM ROUNDS WHERE COMMITTED")
rows=$(scalar "SELECT COUNT(*) FROM ROUNDS WHERE COMMITTED")
top=$(scalar "SELECT MAX(MODEL_VERSION) FROM ROUNDS WHERE COMMITTED")
[[ "$samples" == "$(( images * 4 ))" ]] || fail "$samples samples committed across the restart, expected $(( images * 4 ))"
[[ "$rows" == "$top" ]] || fail "$rows committed rounds for versions 1..$top: a round was lost or repeated"
sql "SELECT EPOCH, ROUND(TEST_ACCURACY, 4) AS ACCURACY FROM EVALS ORDER BY EPOCH" | tee -a "$report"
say "persistent fleet: resumed after down + up with $before rounds kept; 4 epochs, $samples samples exactly once"

# --- calibration beside the same classes as device processes on the host ----------------------------------------
down edgetrain-persist -f docker/compose.yaml -f docker/compose.persistent.yaml
say "the same classes as device processes on this host (cluster up: a cgroup CPU quota per class, no container):"
rm -rf "$state/cluster"
bin/edgetrain cluster up --devices pc,jetson-nano,rpi4 --dir "$state/cluster" >>"$state/cluster.log" 2>&1 \
  || fail "cluster up (log: $state/cluster.log)"
for d in pc-1 jetson-nano-1 rpi4-1; do
  say "  $d: $(grep -ho 'measured itself: [0-9.]* images/s' "$state/cluster/$d.log" 2>/dev/null | tail -n 1)"
done
bin/edgetrain cluster down --dir "$state/cluster" >>"$state/cluster.log" 2>&1 || true
