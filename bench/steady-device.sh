#!/usr/bin/env bash
# A device's training rate and where its CPU goes, over minutes (issue 20, bench/RESULTS.md "smoke again"): a fleet
# (default: one device of CLASS) at the smoke preset's CPU quota (--cpu-scale 0.75, cgroup) trains ResNet-8 in 6-s
# rounds (up to 100 epochs: the watch ends it) for SECONDS while the first device of CLASS is watched: every 10 s its
# CPU ticks in all, in its JIT compilers and in its trainer thread (jit.txt); its CPU per thread group over the last
# two thirds of the window (threads.txt); then every device's images/s per round (rounds.txt) and the watched
# device's log (device.log).
# Usage: bench/steady-device.sh OUTDIR [SECONDS] [CLASS] [CIFAR] [FLEET]; e.g. FLEET=pc,rpi4 watches the rpi4 of a
# pc + rpi4 fleet. LD_PRELOAD= before it runs the devices on glibc's allocator instead of jemalloc;
# EDGETRAIN_DEVICE_JAVA_OPTS adds JVM flags to every device.
set -u
D=$1; SECONDS_WATCHED=${2:-240}; CLASS=${3:-rpi4}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CIFAR=${4:-$ROOT/../shared/datasets/cifar-10-binary.tar.gz}
FLEET=${5:-$CLASS}
mkdir -p "$D"; D="$(cd "$D" && pwd)"; cd "$ROOT"
bin/edgetrain cluster up --devices "$FLEET" --cpu-scale 0.75 --dir "$D/fleet" > "$D/up.log" 2>&1 || { echo "cluster up failed: $D/up.log"; exit 1; }
stop() { echo "$1"; bin/edgetrain cluster down --dir "$D/fleet" > "$D/down.log" 2>&1; exit 1; }
bin/edgetrain dataset load --cifar "$CIFAR" > "$D/load.log" 2>&1 || stop "dataset load failed: $D/load.log"
bin/edgetrain train --model resnet8 --epochs 100 --round-seconds 6 --detach > "$D/train.log" 2>&1 || stop "train failed: $D/train.log"
pid=$(pgrep -f "$D/fleet/work/$CLASS-1( |$)")
[[ $pid =~ ^[0-9]+$ ]] || stop "no single $CLASS-1 process of this fleet (found: ${pid:-none})"
ticks() { awk '{print $14 + $15}' "$1" 2>/dev/null; }
# CPU ticks per thread group (thread names with their digits dropped), one "group ticks" line each
groups() {
  for t in /proc/"$pid"/task/*; do
    printf '%s %s\n' "$(tr -d '0-9' < "$t/comm" 2>/dev/null | tr ' ' '_')" "$(ticks "$t/stat")"
  done | awk 'NF == 2 {s[$1] += $2} END {for (g in s) print g, s[g]}' | sort
}
start=$(date +%s); end=$(( start + SECONDS_WATCHED )); snapped=0
while (( $(date +%s) < end )) && [[ -r /proc/$pid/stat ]]; do
  now=$(groups)
  jit=$(awk '$1 == "C_CompilerThre" {s += $2} END {print s + 0}' <<< "$now")
  trainer=$(awk '$1 ~ /^edgetrain-train/ {s += $2} END {print s + 0}' <<< "$now")
  echo "$(date +%T) all=$(ticks "/proc/$pid/stat") jit=$jit trainer=$trainer" >> "$D/jit.txt"
  if (( snapped == 0 && $(date +%s) >= start + SECONDS_WATCHED / 3 )); then groups > "$D/groups-a.txt"; snapped=$(date +%s); fi
  sleep 10
done
if (( snapped > 0 )); then
  groups > "$D/groups-b.txt"
  # threads that ended in between are missing from the second snapshot: their ticks count as 0 there
  join -a1 -e0 -o 0,1.2,2.2 "$D/groups-a.txt" "$D/groups-b.txt" | awk -v s=$(( $(date +%s) - snapped )) \
    '{d = $3 - $2; if (d > 0) {t += d; printf "%.4f %s\n", d / s / 100, $1}} END {printf "%.4f %s\n", t / s / 100, "ALL (cores)"}' \
    | sort -rn > "$D/threads.txt"
  # threads that started in between
  join -v2 "$D/groups-a.txt" "$D/groups-b.txt" | awk '{print "started meanwhile:", $0}' >> "$D/threads.txt"
fi
bin/edgetrain sql "SELECT ROUND_NO, DEVICE, SAMPLES, SECONDS, IMAGES_PER_SECOND FROM DEVICE_ROUNDS ORDER BY ROUND_NO, DEVICE" > "$D/rounds.txt" 2>&1
cp "$D/fleet/$CLASS-1.out" "$D/device.log" 2>/dev/null
bin/edgetrain cluster down --dir "$D/fleet" > "$D/down.log" 2>&1
echo "done: $D"
