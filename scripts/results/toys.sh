#!/bin/bash
# The toy-mixture study of docs/results.md (docs/protocols.md, gankit protocol): every
# trick alone and a few combinations on seeds 0-4, then the best combination per
# mixture and the vanilla GAN on seeds 10-14.
#
#   GANKIT=gankit OUT=results/toys MIXES="ring8 grid25" scripts/results/toys.sh [--workers N]
#
# Extra arguments go to every `gankit ablate`. On the cpu backend a 10k-step toy run
# takes about 70 s (7 ms per iteration: small graphs, per-op overhead); XLA on a GPU
# is not faster for nets this small (~1.4 ms per iteration with 16 runs in flight).
set -euo pipefail
G=${GANKIT:-gankit}
OUT=${OUT:-results/toys}
common=(--seeds 5 "$@")
# Minibatch discrimination is left out: at the protocol's batch of 256 its pairwise
# [N, N, B, C] tensor (33M values per D call) makes a step take seconds on 2 cores;
# run it with a smaller batch (--set train.batch=64) in a separate ablation.
tricks=(
  "vanilla:"
  "label-smoothing:train.label_smoothing=0.1"
  "instance-noise:train.instance_noise=0.1"
  "mbstd:model.mbstd=true"
  "spectral-norm:model.spectral_norm=true"
  "r1:train.penalty=r1"
  "wgan-gp:train.loss=wgan,train.penalty=wgan-gp,train.n_critic=5,train.beta1=0,train.beta2=0.9"
)
combos=(
  "pack+sn:model.pack=PACK,model.spectral_norm=true"
  "pack+r1:model.pack=PACK,train.penalty=r1"
)
for mix in ${MIXES:-ring8 grid25}; do
  pack=2; [ "$mix" = grid25 ] && pack=4   # PacGAN's published rows: PacGAN2 on ring8, PacGAN4 on grid25
  args=()
  for v in "${tricks[@]}" "pack:model.pack=$pack" "${combos[@]}"; do args+=(--variant "${v//PACK/$pack}"); done
  "$G" ablate --preset "$mix" "${args[@]}" --first-seed 0 "${common[@]}" --out "$OUT/$mix-select"
  best=$("$G" report "$OUT/$mix-select" --best 2>/dev/null | tail -1)
  echo "$mix: best setting on seeds 0-4: $best"
  var=""
  for v in "${tricks[@]}" "pack:model.pack=$pack" "${combos[@]}"; do
    v=${v//PACK/$pack}
    [ "${v%%:*}" = "$best" ] && var=$v
  done
  report=(--variant "vanilla:")
  [ "$best" != vanilla ] && report+=(--variant "$var")
  "$G" ablate --preset "$mix" "${report[@]}" --first-seed 10 "${common[@]}" --out "$OUT/$mix-report"
done
