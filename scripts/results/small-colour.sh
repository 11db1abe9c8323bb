#!/bin/bash
# docs/results.md, "Small data", colour: no augmentation, DiffAugment (color,
# translation, cutout) and ADA (bgc) on the EmojiOne folder that
# scripts/results/colour-dataset.sh builds (1,784 images, 8 classes) at 32x32x3, the
# dcgan-fmnist preset's nets and optimiser for STEPS iterations at batch 64, SEEDS
# seeds each; every run is evaluated with gankit eval against the whole folder, with
# the colour feature network FEATNET (metrics/featnet/emojione32.gob.gz). Sample grids
# of seed 0 go to GRIDS.
#
#   GANKIT=gankit OUT=results/small-colour STEPS=600 scripts/results/small-colour.sh
set -euo pipefail
G=${GANKIT:-gankit}
OUT=${OUT:-results/small-colour}
DATA=${DATA:-$HOME/.cache/gankit-data/emojione}
STEPS=${STEPS:-600}
FEATNET=${FEATNET:-metrics/featnet/emojione32.gob.gz}
mkdir -p "$OUT"
for seed in ${SEEDS:-0 1 2}; do
  for v in none diffaugment ada; do
    case $v in
      none) set_aug=() ;;
      diffaugment) set_aug=(--set train.diffaugment=color,translation,cutout) ;;
      ada) set_aug=(--set train.ada=bgc --set train.ada_kimg=50) ;;
    esac
    run="$OUT/$v-seed$seed"
    if [ ! -d "$run" ]; then
      "$G" train --preset dcgan-fmnist --data "$DATA" --set data.size=32 --set data.channels=3 \
        --steps "$STEPS" --seed "$seed" --set train.sample_every=0 --set train.checkpoint_every=0 \
        "${set_aug[@]}" --out "$run" >"$run.log" 2>&1
    fi
    if [ -f "$FEATNET" ] && [ ! -f "$run/eval-colour.json" ]; then
      "$G" eval --run "$run" --real "$DATA" --feature-net "$FEATNET" --metrics fid,kid --n 5000 --json >"$run/eval-colour.json.tmp" &&
        mv "$run/eval-colour.json.tmp" "$run/eval-colour.json"
    fi
  done
done
