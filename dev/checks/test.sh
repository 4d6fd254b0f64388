#!/usr/bin/env bash
# The whole test suite, as CI runs it. Unit tests and real-cluster tests (in-process and separate JVMs).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec mvn -B -Dstyle.color=never test "$@"
