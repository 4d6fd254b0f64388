#!/usr/bin/env bash
# What a device process costs while it trains nothing (issue 20, bench/RESULTS.md "paper, the 11-device fleet"): a
# 3-device fleet (pc, jetson-nano, rpi4) loads the data set and idles; over 60 s, each device's CPU (utime + stime of
# /proc/PID/stat) in cores, their sum, and the rpi4 device's busiest threads in seconds of CPU.
# Usage: bench/idle-device-cpu.sh OUTDIR [CIFAR]; DEVICES=pc,rpi4,... another fleet (one device must be rpi4);
# UPARGS adds cluster up options.
set -u
D=$1
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CIFAR=${2:-$ROOT/../shared/datasets/cifar-10-binary.tar.gz}
mkdir -p "$D"; D="$(cd "$D" && pwd)"; cd "$ROOT"
# shellcheck disable=SC2086
bin/edgetrain cluster up --devices "${DEVICES:-pc,jetson-nano,rpi4}" --dir "$D/fleet" ${UPARGS:-} > "$D/up.log" 2>&1 || { echo "cluster up failed: $D/up.log"; exit 1; }
bin/edgetrain dataset load --cifar "$CIFAR" > "$D/load.log" 2>&1
sleep 20 # the load's rebalancing settles
ticks() { awk '{print $14 + $15}' "$1"; }
declare -A proc thread
for pid in $(pgrep -f "edgetrain.device="); do proc[$pid]=$(ticks "/proc/$pid/stat"); done
rpi4=$(pgrep -f "edgetrain.device=rpi4-1( |$)")
for t in /proc/"$rpi4"/task/*; do thread[$t]=$(ticks "$t/stat" 2>/dev/null || echo 0); done
t0=$(date +%s.%N); sleep 60; t1=$(date +%s.%N)
hz=$(getconf CLK_TCK)
for pid in "${!proc[@]}"; do
  name=$(tr '\0' '\n' < "/proc/$pid/cmdline" | grep -o 'edgetrain.device=.*' | cut -d= -f2)
  python3 -c "print(f'$name {($(ticks "/proc/$pid/stat") - ${proc[$pid]}) / $hz / ($t1 - $t0):.4f} core')"
done | sort -V > "$D/cores.txt"
awk '{sum += $2} END {printf "all %d devices %.4f core\n", NR, sum}' "$D/cores.txt" >> "$D/cores.txt"
for t in "${!thread[@]}"; do
  [[ -r $t/stat ]] || continue
  d=$(( $(ticks "$t/stat") - ${thread[$t]} ))
  (( d > 0 )) && python3 -c "print(f'{$d / $hz:.2f} s $(tr ' ' _ < "$t/comm")')"
done | sort -rn > "$D/rpi4-threads.txt"
bin/edgetrain cluster down --dir "$D/fleet" > "$D/down.log" 2>&1
tail -4 "$D/cores.txt"; head -8 "$D/rpi4-threads.txt"
