#!/usr/bin/env bash
# Cold and warm build of the full default index (ICD-10-CM + ICD-10-PCS) plus the seed pages.
# Cold: empty index folder and empty cache (the ONNX export and quantization included).
# Usage: bench/build.sh [SEEDS_DIR] [BACKEND]   -- prints wall time, peak RSS and disk size.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-../shared/seeds}
backend=${2:-onnx-int8}
work=$(mktemp -d)
export MEDCODE_CACHE_DIR="$work/cache"
for run in cold warm; do
  /usr/bin/time -f "$run: wall %e s, peak RSS %M KB" \
    .venv/bin/medcode index build -q --backend "$backend" --index-dir "$work/index" --documents "$seeds"
done
echo "index on disk: $(du -sh "$work/index"/v-* | tail -1 | cut -f1); cache: $(du -sh "$work/cache" | cut -f1)"
rm -rf "$work"
