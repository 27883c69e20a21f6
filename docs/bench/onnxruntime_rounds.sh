#!/usr/bin/env bash
# `upsample bench` against ONNX Runtime on a shared host, where the load moves between two
# runs minutes apart: each network is timed by ONNX Runtime and by `upsample bench` back to
# back, ROUNDS times, and each side keeps its best median. A benchmark, not a test.
#   bash docs/bench/onnxruntime_rounds.sh [ROUNDS]            (default 3; needs node, npm)
#   UPSAMPLE_ISA=avx2 bash docs/bench/onnxruntime_rounds.sh   (our AVX2 kernels)
# Prints one row per network: ms for each, the ratio, and `fma peak` (the ceiling) per round.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
upsample=${UPSAMPLE:-build/upsample}
anchor=${UPSAMPLE_ORT_BENCH:-../shared/anchors/onnxruntime/bench.sh}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The first result of one kind in `upsample bench --json`: its field.
field() { /usr/bin/python3 -c 'import json, sys
print(next(r[sys.argv[2]] for r in json.load(sys.stdin)["results"] if r["kind"] == sys.argv[1]))' "$1" "$2"; }
for round in $(seq "$rounds"); do
  echo "peak $round $("$upsample" bench --threads 2 --filter peak --no-opencv --json | field peak gflops)" >>"$work/peaks"
  for model in fsrcnn_x2 fsrcnn_x3 fsrcnn_x4 espcn_x2 espcn_x3 espcn_x4; do
    MODELS=$model THREADS=2 bash "$anchor" | awk -v m="$model" '{print m, $(NF - 1)}' >>"$work/ort"
    echo "$model $("$upsample" bench --threads 2 --filter "${model/_x/ x}" --no-opencv --json | field network ms)" >>"$work/ours"
  done
done
echo "fma peak per round (GFLOP/s): $(awk '{printf "%.0f ", $3}' "$work/peaks")"
printf '%-10s %12s %12s %8s\n' network "upsample ms" "ORT ms" ratio
for model in fsrcnn_x2 fsrcnn_x3 fsrcnn_x4 espcn_x2 espcn_x3 espcn_x4; do
  ours=$(awk -v m="$model" '$1 == m {print $2}' "$work/ours" | sort -g | head -1)
  ort=$(awk -v m="$model" '$1 == m {print $2}' "$work/ort" | sort -g | head -1)
  awk -v m="$model" -v a="$ours" -v b="$ort" 'BEGIN {printf "%-10s %12.1f %12.1f %7.2fx\n", m, a, b, b / a}'
done
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), 2 threads, best of $rounds rounds; ISA: ${UPSAMPLE_ISA:-best}"
