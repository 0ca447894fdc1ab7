#!/usr/bin/env bash
# On a lent GPU machine (the device tool, carrying .gpu/ made by `python bench/gpu_check.py
# prepare`): install the carried wheels, run every part, write gpu_check.json to $OUT (the
# device tool's folder) or bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .gpu/wheels/*.whl
export PYTHONPATH="/tmp/site:$PWD" HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
python3 bench/gpu_check.py run --data .gpu --out "${OUT:-bench/results}/gpu_check.json"
