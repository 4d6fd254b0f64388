#!/usr/bin/env bash
# Where a device's memory goes: a 3-device fleet (demo's) trains ResNet-8 (or $MODEL) one epoch; every 15 s each
# device's RSS split (smaps_rollup) and, at the end, NMT summaries. Usage: mem.sh OUTDIR [MODEL]
set -u
D=$1; MODEL=${2:-resnet8}; ROOT=${ROOT:-/work/main}
mkdir -p $D; cd $ROOT
export EDGETRAIN_DEVICE_JAVA_OPTS="-XX:NativeMemoryTracking=${NMT:-summary} ${XOPTS:-}"
bin/edgetrain cluster up --devices pc,jetson-nano,rpi4 --dir $D/fleet ${UPARGS:-} > $D/up.log 2>&1 || { echo up failed; exit 1; }
bin/edgetrain dataset load --cifar /work/shared/datasets/cifar-10-binary.tar.gz > $D/load.log 2>&1
bin/edgetrain train --model $MODEL --epochs 1 --wait --json $D/train.json > $D/train.log 2>&1 &
TP=$!
sample() {
  for pid in $(pgrep -f "edgetrain.device="); do
    name=$(tr '\0' '\n' < /proc/$pid/cmdline | grep -o 'edgetrain.device=.*' | cut -d= -f2)
    r=$(awk '/^Rss|^Anonymous|^Shared_Clean|^Private_Clean|^Private_Dirty/ {printf "%s %d ", $1, $2/1024}' /proc/$pid/smaps_rollup)
    echo "$(date +%T) $name $r" >> $D/rss.txt
  done
}
while kill -0 $TP 2>/dev/null; do sample; sleep 15; done
sample
for pid in $(pgrep -f "edgetrain.device="); do
  name=$(tr '\0' '\n' < /proc/$pid/cmdline | grep -o 'edgetrain.device=.*' | cut -d= -f2)
  jcmd $pid VM.native_memory ${NMT:-summary} > $D/nmt-$name.txt 2>&1
  grep -E "VmRSS|VmHWM|Threads" /proc/$pid/status > $D/status-$name.txt
  awk '$6 ~ /\.so/ {print $6}' /proc/$pid/maps | sort -u > $D/libs-$name.txt
  pmap -x $pid | sort -k3 -n -r | head -25 > $D/pmap-$name.txt
done
bin/edgetrain sql "SELECT DEVICE, MAX(RESIDENT_MB), MAX(HEAP_USED_MB), MAX(OFFHEAP_USED_MB), AVG(IMAGES_PER_SECOND) FROM DEVICE_ROUNDS GROUP BY DEVICE" > $D/sql.txt 2>&1
bin/edgetrain cluster down --dir $D/fleet > $D/down.log 2>&1
echo done
