#!/usr/bin/env bash
# What watching a job costs the fleet (README "How tools reach the fleet"; bench/RESULTS.md "Watching a job").
#
# The scenario of the issue "watching a fleet must not break it": four devices (pc, pc, rpi4, jetson-nano) on this
# machine, CIFAR-10 loaded, ResNet-8 for 2 epochs of 3,000 images; run once with nobody watching and once with
# `edgetrain status --json` polled every second for the whole job. For each run it prints: devices that halted or
# left, partition map exchanges per device during the job and their summed duration (from the devices' logs),
# the median round time (ROUNDS.SECONDS), and the job's wall time.
#
# usage: bench/watch-cost.sh OUT_DIR [CHECKOUT ...]
#   Each CHECKOUT is an edgetrain checkout with its bin/edgetrain (default: this one); give an older one too to
#   compare before and after in one run. The dataset is ../shared/datasets/cifar-10-binary.tar.gz beside this checkout.
set -euo pipefail
out="$(mkdir -p "$1" && cd "$1" && pwd)"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
checkouts=("$@")
[[ ${#checkouts[@]} -gt 0 ]] || checkouts=("$here")
cifar="$here/../shared/datasets/cifar-10-binary.tar.gz"

run() { # run CHECKOUT NAME POLL(0|1)
  local root="$1" name="$2" poll="$3" dir="$out/$2"
  local et="$root/bin/edgetrain"
  rm -rf "$dir" && mkdir -p "$dir"
  "$et" cluster up --devices pc,pc,rpi4,jetson-nano --dir "$dir/fleet" > "$dir/up.log" 2>&1
  "$et" dataset load --cifar "$cifar" > "$dir/load.log" 2>&1
  declare -A offset
  for log in "$dir"/fleet/*.log; do offset[$log]=$(wc -l < "$log"); done
  local poller=""
  if [[ "$poll" == 1 ]]; then
    ( while [[ ! -f "$dir/stop" ]]; do
        "$et" status --json > "$dir/status.json" 2>> "$dir/status.err" || echo "status failed" >> "$dir/status.err"
        echo x >> "$dir/polls"; sleep 1
      done ) &
    poller=$!
  fi
  local start=$(date +%s.%N)
  "$et" train --model resnet8 --epochs 2 --limit-train 3000 --wait --json "$dir/train.json" > "$dir/train.log" 2>&1
  local end=$(date +%s.%N)
  touch "$dir/stop"; [[ -n "$poller" ]] && wait "$poller"
  local exchanges=0 millis=0 devices=0
  for log in "$dir"/fleet/*.log; do
    devices=$((devices + 1))
    read -r n ms < <(tail -n +"$((offset[$log] + 1))" "$log" | grep "Exchange timings" \
      | sed -n 's/.*stage="Total time" (\([0-9]*\) ms).*/\1/p' | awk '{n++; s+=$1} END {print n+0, s+0}' || true)
    exchanges=$((exchanges + n)); millis=$((millis + ms))
  done
  local halted
  halted=$( (grep -l "JVM will be halted\|Critical system error" "$dir"/fleet/*.log 2>/dev/null || true) | xargs -r -n1 basename | tr '\n' ' ')
  local rounds
  rounds=$("$et" sql "SELECT SECONDS FROM ROUNDS WHERE SAMPLES > 0" --csv --url "jdbc:ignite:thin://127.0.0.1:10800..10849" 2>/dev/null | tail -n +2 | sort -n \
    | awk '{a[NR]=$1} END {if (NR) printf "%.2f", (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2); else print "-"}')
  "$et" cluster down --dir "$dir/fleet" > /dev/null 2>&1 || true
  printf "%-28s polls %4s  halted [%s]  exchanges/device %5.1f  exchange ms/device %7.0f  median round %6s s  job %6.1f s\n" \
    "$name" "$( [[ -f "$dir/polls" ]] && wc -l < "$dir/polls" || echo 0)" "${halted% }" \
    "$(awk -v a="$exchanges" -v b="$devices" 'BEGIN {print a / b}')" \
    "$(awk -v a="$millis" -v b="$devices" 'BEGIN {print a / b}')" "$rounds" \
    "$(awk -v a="$end" -v b="$start" 'BEGIN {print a - b}')" | tee -a "$out/summary.txt"
}

for root in "${checkouts[@]}"; do
  label="$(cd "$root" && git rev-parse --short HEAD)"
  run "$root" "$label-idle" 0
  run "$root" "$label-status-every-1s" 1
done
