#!/bin/bash
# docs/results.md §9: a conditional GAN's samples as classifier training data on
# Fashion-MNIST. The cond-fmnist preset (conditional BN in G, projection D) trains for
# 2,000 iterations without EMA (the preset's first length; it now trains 6,000 with EMA,
# and these flags keep §9's numbers reproducible) on 1,000, 5,000 and all 60,000 training images (data.limit;
# train.seed 0), each GAN on the real images its classifier then gets (Bowles et al.
# 2018). For each GAN, `gankit eval --augment`: the classifier (featnet, 500 steps
# of 128, Adam 1e-3) on the GAN's real images alone and with 0.5, 1 and 2 times as
# many generated images added, seeds 0, 1, 2, tested on the 10,000 test images; with
# FID and the per-class measures of 10,000 samples. Then `gankit eval --cas` of the
# full-data GAN, seeds 0, 1, 2: the classifier's defaults (5 epochs of batch 128) on
# 1,000 generated images per class, and on as many real ones. Then the tables:
# scripts/results/cas_augment_table.py OUT. Long steps run at nice 10; each step's
# CPU time goes to OUT/times.txt.
#
#   GANKIT=gankit OUT=results/cas-augment scripts/results/cas-augment.sh
set -euo pipefail
G=${GANKIT:-gankit}
OUT=${OUT:-results/cas-augment}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
SEEDS=${SEEDS:-3}
mkdir -p "$OUT"
TIMEFORMAT="%R s wall, %U s user, %S s sys"
step() { # FILE command...: runs the command niced, its stdout to OUT/FILE, its stderr to OUT/FILE.log, its time to OUT/times.txt
	local file=$1
	shift
	{ time nice -n 10 "$@" >"$OUT/$file" 2>>"$OUT/$file.log"; } 2>>"$OUT/times.txt.part"
	echo "$file: $(tail -n 1 "$OUT/times.txt.part")" >>"$OUT/times.txt"
}
for n in 1000 5000 0; do
	run="$OUT/gan-$n"
	if [ ! -f "$run/checkpoints/ckpt-000002000.bin" ]; then
		rm -rf "$run"
		step "train-$n.txt" "$G" train --preset cond-fmnist --set train.steps=2000 --set train.ema=0 --set data.path="$DATA" --set data.limit=$n --out "$run"
	fi
	step "augment-$n.json" "$G" eval --run "$run" --metrics fid --augment --augment-seeds "$SEEDS" --json
done
for ((s = 0; s < SEEDS; s++)); do
	step "cas-$s.json" "$G" eval --run "$OUT/gan-0" --metrics fid --cas --seed $s --json
done
python3 "$(dirname "$0")/cas_augment_table.py" "$OUT"
