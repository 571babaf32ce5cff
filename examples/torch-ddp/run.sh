#!/usr/bin/env bash
# Train a gated cell at scale on PyTorch's distributed engine, then bring it back into gated:
#   1. gated export CELL --to pytorch       (the cell as a torch module)
#   2. torchrun … train_ddp.py              (DistributedDataParallel, gloo, one process per worker)
#   3. gated import … --check               (the trained parameters in gated; the test loss again)
# Environment: CELL (gru), HIDDEN (16), STEPS (300), SEQ_LEN (20), NPROC (2), OUT (out/torch-ddp),
# GATED (the gated command; default: node dist/gated.mjs, after `pnpm build`).
# (--redirects 1 --tee 1: Debian's torch 1.13 on Python 3.11 cannot parse the default "0", a known
# IntFlag bug; this tees each worker's stdout to the console.)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
CELL="${CELL:-gru}" HIDDEN="${HIDDEN:-16}" STEPS="${STEPS:-300}" SEQ_LEN="${SEQ_LEN:-20}"
NPROC="${NPROC:-2}" OUT="${OUT:-out/torch-ddp}" GATED="${GATED:-node dist/gated.mjs}"
mkdir -p "$OUT"
$GATED export "$CELL" --to pytorch -o "$OUT/cell.py" --input 2 --hidden "$HIDDEN"
torchrun --standalone --nproc_per_node "$NPROC" --redirects 1 --tee 1 "$here/train_ddp.py" \
  --module "$OUT/cell.py" --out "$OUT" --steps "$STEPS" --seq-len "$SEQ_LEN"
$GATED import "$OUT/trained.safetensors" --from gated --cell "$CELL" --input 2 --hidden "$HIDDEN" \
  -o "$OUT/imported.safetensors" --check "$OUT/test.safetensors"
