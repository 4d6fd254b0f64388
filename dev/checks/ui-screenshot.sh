#!/usr/bin/env bash
# The live status page in a real browser: a two-device fleet on its own ports trains briefly, `edgetrain ui`
# serves the page, headless Chromium (Debian's package) renders it; the check reads the rendered DOM for the device
# rows and the accuracy curve and keeps a screenshot in runs/ui-check/status.png.
# Usage: dev/checks/ui-screenshot.sh [CIFAR]
set -euo pipefail
cd "$(dirname "$0")/../.."
cifar="${1:-../shared/datasets/cifar-10-binary.tar.gz}"
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
et="${EDGETRAIN:-bin/edgetrain}"
dir=runs/ui-check
rm -rf "$dir" && mkdir -p "$dir"
config="$dir/fleet.properties"
printf 'discovery.addresses=127.0.0.1:49300..49309\nlocal.address=127.0.0.1\ndiscovery.port=49300\ncommunication.port=48600\nclient.port=49320\nbackups=1\n' > "$config"
cleanup() { [[ -n "${ui:-}" ]] && kill "$ui" 2>/dev/null; "$et" cluster down --dir "$dir" --config "$config" >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$et" cluster up --devices pc,rpi4 --dir "$dir" --config "$config" --throttle none
"$et" dataset load --cifar "$cifar" --config "$config"
"$et" train --model resnet8 --epochs 2 --limit-train 1000 --round-seconds 3 --wait --config "$config"
"$et" ui --port 18080 --config "$config" > "$dir/ui.log" 2>&1 &
ui=$!
for _ in $(seq 60); do curl -sf http://127.0.0.1:18080/api/status >/dev/null && break; sleep 1; done
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --virtual-time-budget=8000)
chromium "${flags[@]}" --window-size=1100,800 --screenshot="$dir/status.png" http://127.0.0.1:18080/ 2>/dev/null
chromium "${flags[@]}" --dump-dom http://127.0.0.1:18080/ 2>/dev/null > "$dir/status.html"
# The page's script holds the same markup as templates ("${...}"): count only rendered rows and a drawn curve.
rows=$(grep -o '<tr class="device"><td>[A-Za-z0-9]' "$dir/status.html" | wc -l)
[[ "$rows" -eq 2 ]] || { echo "expected 2 device rows in the rendered page, found $rows"; exit 1; }
grep -q 'id="accuracyLine"[^>]*points="[0-9]' "$dir/status.html" || { echo "the accuracy curve did not render"; exit 1; }
[[ -s "$dir/status.png" ]] || { echo "no screenshot"; exit 1; }
echo "status page rendered: $rows devices and the accuracy curve; screenshot $dir/status.png"
