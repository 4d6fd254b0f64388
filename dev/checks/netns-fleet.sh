#!/usr/bin/env bash
# The compose file's fleet without Docker: pc-1, jetson-nano-1 and rpi4-1, each in its own network namespace with
# its own address on a bridge (10.77.0.11-13; this host is 10.77.0.1), started from an installed copy with the
# image's configuration (ignite-config/docker.properties, discovery by EDGETRAIN_DISCOVERY) and its entry point
# (`edgetrain node`). From the host: load CIFAR-10, train a short job, and check over JDBC that the three devices
# joined with three different addresses. Needs root (ip netns, veth, bridge). Not emulated: the containers' CPU and
# memory limits.
#   dev/checks/netns-fleet.sh [CIFAR_ARCHIVE]
set -euo pipefail
cd "$(dirname "$0")/../.."
cifar="${1:-../shared/datasets/cifar-10-binary.tar.gz}"
work="$(mktemp -d)"
devices=(pc-1 jetson-nano-1 rpi4-1)
classes=(pc jetson-nano rpi4)
bridge=et-br0

cleanup() {
  for i in 1 2 3; do
    ip netns pids "et-dev$i" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "et-dev$i" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work"

docker/build-steps.sh "$work/edgetrain" >/dev/null
edgetrain="$work/edgetrain/bin/edgetrain"
config="$work/edgetrain/ignite-config/docker.properties"
export EDGETRAIN_DISCOVERY="10.77.0.11:47500,10.77.0.12:47500,10.77.0.13:47500"

ip link add "$bridge" type bridge
ip addr add 10.77.0.1/24 dev "$bridge"
ip link set "$bridge" up
for i in 1 2 3; do
  ns="et-dev$i"
  ip netns add "$ns"
  ip link add "et-veth$i" type veth peer name eth0 netns "$ns"
  ip link set "et-veth$i" master "$bridge" up
  ip -n "$ns" addr add "10.77.0.1$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  name="${devices[$((i - 1))]}"
  ip netns exec "$ns" env EDGETRAIN_DEVICE_NAME="$name" EDGETRAIN_LOG_DIR="$work/logs" \
    "$edgetrain" node --name "$name" --device "${classes[$((i - 1))]}" --config "$config" --calibration-seconds 1 \
    > "$work/$name.out" 2>&1 &
done

"$edgetrain" dataset load --cifar "$cifar" --config "$config" > "$work/load.out" 2>&1 \
  || { tail -20 "$work/load.out"; exit 1; }
"$edgetrain" train --config "$config" --model resnet8 --epochs 1 --limit-train 2000 --round-seconds 3 --wait \
  --json "$work/train.json" > "$work/train.out" 2>&1 || { tail -20 "$work/train.out"; exit 1; }
"$edgetrain" sql --config "$config" --csv \
  "SELECT CONSISTENT_ID, ADDRESSES FROM SYS.NODES WHERE IS_CLIENT = FALSE ORDER BY CONSISTENT_ID" > "$work/nodes.csv"
python3 - "$work/train.json" "$work/nodes.csv" <<'PY'
import csv, json, sys
result = json.load(open(sys.argv[1]))
nodes = list(csv.DictReader(open(sys.argv[2])))
names = sorted(n["CONSISTENT_ID"] for n in nodes)
assert names == ["jetson-nano-1", "pc-1", "rpi4-1"], names
addresses = {n["CONSISTENT_ID"]: sorted(a for a in n["ADDRESSES"].strip("[]").replace(" ", "").split(",")
                                        if a.startswith("10.77.0.")) for n in nodes}
assert len({tuple(a) for a in addresses.values()}) == 3, addresses
trained = {d["name"]: d["samples"] for d in result["devices"]}
assert sum(trained.values()) >= 2000 and all(s > 0 for s in trained.values()), trained
print("netns fleet: 3 devices on", addresses, "- trained", trained, "- accuracy", result["testAccuracy"])
PY
echo "netns fleet check passed"
