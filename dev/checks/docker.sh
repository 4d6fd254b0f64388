#!/usr/bin/env bash
# What can be checked of the Docker deployment without a Docker engine: the image's build steps (run outside
# Docker), the installed launcher, and the compose file's structure. dev/checks/docker-real.sh builds and runs the
# images on a real engine.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
docker/build-steps.sh "$out/edgetrain"
"$out/edgetrain/bin/edgetrain" --help | grep -q "train-local"
"$out/edgetrain/bin/edgetrain" dataset verify --help | grep -q -- "--cifar"
python3 - docker/compose.yaml <<'PY'
import sys, yaml
compose = yaml.safe_load(open(sys.argv[1]))
devices = {n: s for n, s in compose["services"].items() if "node" in (s.get("command") or [])}
assert len(devices) >= 3, devices.keys()
for name, service in devices.items():
    for key in ("image", "cpus", "mem_limit", "volumes", "networks", "environment"):
        assert key in service, f"{name} lacks {key}"
    assert service["command"][service["command"].index("--name") + 1] == name, name
    assert service["environment"]["EDGETRAIN_DEVICE_NAME"] == name, name
    for peer in service["environment"]["EDGETRAIN_DISCOVERY"].split(","):
        assert peer.split(":")[0] in compose["services"], f"{name}: unknown discovery peer {peer}"
assert "trainer" in compose["services"] and "edgetrain-state" in compose["volumes"]
print(f"compose: {len(devices)} devices, limits and discovery consistent")
PY
echo "docker checks passed (without an engine; dev/checks/docker-real.sh builds and runs the images)"
