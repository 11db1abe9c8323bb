#!/bin/bash
# The checkerboard comparison of docs/results.md: the dcgan-fmnist DCGAN with each
# upsampling mode, trained on the Fashion-MNIST training split, its samples' power
# spectra against the test split's (gankit eval's spectral score; report.html plots
# the spectra and shows the grids side by side).
#
#   GANKIT=gankit OUT=results/checkerboard STEPS=2000 SEEDS=3 scripts/results/checkerboard.sh
set -euo pipefail
G=${GANKIT:-gankit}
"$G" ablate --preset dcgan-fmnist --set data.path="${DATA:-/usr/share/datasets/fashion-mnist}" \
  --vary model.upsample=transposed,transposed-k3,nearest,bilinear,pixelshuffle \
  --seeds "${SEEDS:-3}" --steps "${STEPS:-2000}" --eval-n "${EVALN:-10000}" --out "${OUT:-results/checkerboard}" "$@"
