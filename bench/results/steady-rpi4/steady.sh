#!/bin/bash
# One-device rpi4 fleet at 0.15 core (cgroup), ResNet-8, 6-s rounds, trained for SECONDS; per-round rates.
# steady.sh DIR SECONDS  (EDGETRAIN_DEVICE_JAVA_OPTS passes JVM flags to the device)
D=$1; S=$2; mkdir -p $D; cd /tmp/exp/H
bin/edgetrain cluster up --devices rpi4 --cpu-scale 0.75 --dir $D/fleet > $D/up.log 2>&1 || { echo up failed; exit 1; }
bin/edgetrain dataset load --cifar /work/shared/datasets/cifar-10-binary.tar.gz > $D/load.log 2>&1
bin/edgetrain train --model resnet8 --epochs 1 --round-seconds 6 --detach > $D/train.log 2>&1
/tmp/exp/jitwatch.sh rpi4-1 $S > $D/jit.txt 2>&1
bin/edgetrain sql "SELECT ROUND_NO, DEVICE, SAMPLES, SECONDS, IMAGES_PER_SECOND FROM DEVICE_ROUNDS ORDER BY ROUND_NO" > $D/rounds.txt 2>&1
bin/edgetrain cluster down --dir $D/fleet > $D/down.log 2>&1
echo done $D
