#!/usr/bin/env bash
# Ignite's off-heap memory for 20,000 CIFAR-10 samples (3,073 bytes each) in a 64-partition cache on one node, with
# 4, 8 and 16 KB pages (issue 20; bench/RESULTS.md, "The heap, the collector and the page size").
# Usage: bench/page-size.sh   (after a build: bin/edgetrain builds on first use)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ -f "$ROOT/bench/target/classpath.txt" ]] || "$ROOT/bin/edgetrain" --help > /dev/null
CP="$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")"
read -r -a FLAGS < "$ROOT/compute/target/classes/edgetrain-jvm.flags"
for page in 4096 8192 16384; do
  java "${FLAGS[@]}" -DIGNITE_QUIET=true -cp "$CP" "$ROOT/bench/page-size/PageSize.java" "$page" 2>/dev/null | grep PAGE
done
