#!/bin/bash
# samples a device's trainer and JIT thread CPU every 10 s: jitwatch.sh NAME SECONDS
name=$1; end=$(( $(date +%s) + $2 ))
while (( $(date +%s) < end )); do
  pid=$(pgrep -f "edgetrain.device=$name( |$)" | head -1)
  [[ -z $pid ]] && { sleep 2; continue; }
  jit=0; tr=0; all=$(awk '{print $14+$15}' /proc/$pid/stat 2>/dev/null)
  for t in /proc/$pid/task/*; do c=$(cat $t/comm 2>/dev/null); v=$(awk '{print $14+$15}' $t/stat 2>/dev/null); [[ -z $v ]] && continue
    case "$c" in C1*|C2*) jit=$((jit+v));; edgetrain-train*) tr=$((tr+v));; esac; done
  echo "$(date +%T) pid=$pid all=$all jit=$jit trainer=$tr"
  sleep 10
done
