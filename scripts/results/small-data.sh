#!/bin/bash
# docs/results.md, "Small data": no augmentation, DiffAugment (color, translation,
# cutout) and ADA (bgc) on Fashion-MNIST with 1,000, 5,000 and all 60,000 training
# images, 3 seeds each, the dcgan-fmnist preset for STEPS iterations at batch 64, each
# cell evaluated by gankit ablate (FID, KID, ... with the committed feature network on
# EVAL_N samples against the full 10k test split). ADA's p may cross 0..1 in 50 kimg
# (the run sees 64k images; StyleGAN2-ADA's 500 kimg is for runs of millions).
# Then the table: scripts/results/small_data_table.py OUT.
#
#   GANKIT=gankit OUT=results/small-fmnist STEPS=1000 EVAL_N=5000 scripts/results/small-data.sh
set -euo pipefail
G=${GANKIT:-gankit}
OUT=${OUT:-results/small-fmnist}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
"$G" ablate --preset dcgan-fmnist --set data.path="$DATA" \
  --vary data.limit=1000,5000,0 \
  --variant none: \
  --variant 'diffaugment:train.diffaugment="color,translation,cutout"' \
  --variant ada:train.ada=bgc,train.ada_kimg=50 \
  --seeds "${SEEDS:-3}" --steps "${STEPS:-1000}" --eval-n "${EVAL_N:-5000}" --out "$OUT"
python3 "$(dirname "$0")/small_data_table.py" "$OUT"
