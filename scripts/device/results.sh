#!/bin/bash
# The image studies of docs/results.md on a GPU (XLA), in one go:
#
#   scripts/device/results.sh build   # here: gankit and the Fashion-MNIST files into devicebin/
#   scripts/device/results.sh run [STUDY...]  # on the GPU machine (no Go there)
#
# STUDY is one or more of the names below (default: the tables 2-4 set: fmnist-*,
# checkerboard, stacked).
#
# "run" trains and evaluates, each study one `gankit ablate` process (XLA preallocates
# most of the GPU per process, so studies run one after another, cells in parallel
# inside one), and rewrites $OUT/results.tgz as each study ends:
# Fashion-MNIST presets (table 3), upsampling modes (table 2), stacked Fashion-MNIST
# (table 4). Unpack them into RESULTS_DIR and run scripts/results/tables.py.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "${1:-}" in
build)
	mkdir -p "$ROOT/devicebin/fashion-mnist"
	(cd "$ROOT" && go build -ldflags="-s -w" -o devicebin/gankit ./cmd/gankit) || exit 1
	gzip -9f "$ROOT/devicebin/gankit"
	cp /usr/share/datasets/fashion-mnist/*.gz "$ROOT/devicebin/fashion-mnist/" || exit 1
	du -ch "$ROOT"/devicebin | tail -1
	;;
run)
	OUT=${OUT:-/tmp/gankit-results}
	STEPS=${STEPS:-2000}
	BIN=$(mktemp -d)
	RES=$(mktemp -d)
	mkdir -p "$OUT"
	gunzip -c "$ROOT/devicebin/gankit.gz" >"$BIN/gankit" && chmod +x "$BIN/gankit"
	G="$BIN/gankit"
	DATA="$ROOT/devicebin/fashion-mnist"
	SP=$(python3 -c "import site;print(site.getsitepackages()[0])" 2>/dev/null)
	PLUGIN=$(ls "$SP"/jax_plugins/xla_cuda*/xla_cuda_plugin.so 2>/dev/null | head -1)
	[ -z "$PLUGIN" ] && PLUGIN=$(find / -name 'xla_cuda_plugin.so' 2>/dev/null | head -1)
	export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0
	BE=${BACKEND:-xla:$PLUGIN} # BACKEND=cpu runs a study on this machine's CPU instead
	echo "plugin: $PLUGIN" | tee "$OUT/summary.txt"
	study() { # name, then gankit ablate arguments
		local name=$1
		shift
		local s=$(date +%s)
		"$G" ablate --backend "$BE" --steps "$STEPS" --out "$RES/$name" "$@" >"$RES/$name.log" 2>&1
		echo "$name: rc=$? in $(($(date +%s) - s))s" | tee -a "$OUT/summary.txt"
		# One archive, rewritten after each study (the device tool returns few files).
		tar -C "$RES" --exclude=checkpoints -czf "$OUT/results.tgz.tmp" . && mv "$OUT/results.tgz.tmp" "$OUT/results.tgz"
	}
	fm="data.path=$DATA"
	# Stacked Fashion-MNIST with a weakened D (issue 14, docs/results.md §4b): D a
	# quarter of G's width (PacGAN's Table 3) and without BatchNorm, so that every
	# setting, penalties included, runs the same D.
	weak=(--preset dcgan-fmnist --set "data.path=stacked:$DATA" --set model.d_width=16 --set model.bn_d=false --seeds 3 --eval-n 26000)
	one() {
		case $1 in
		fmnist-dcgan) study fmnist-dcgan --preset dcgan-fmnist --set "$fm" --variant "dcgan-fmnist:" --seeds 3 --workers 3 ;;
		fmnist-seed-tips) study fmnist-seed-tips --preset seed-tips --set "$fm" --variant "seed-tips:" --seeds 3 --workers 3 ;;
		fmnist-sngan-hinge) study fmnist-sngan-hinge --preset sngan-hinge --set "$fm" --variant "sngan-hinge:" --seeds 2 --workers 2 ;;
		fmnist-pggan-tricks) study fmnist-pggan-tricks --preset pggan-tricks --set "$fm" --variant "pggan-tricks:" --seeds 2 --workers 2 ;;
		fmnist-wgan-gp) study fmnist-wgan-gp --preset wgan-gp --set "$fm" --variant "wgan-gp:" --seeds 2 --workers 2 ;;
		checkerboard) study checkerboard --preset dcgan-fmnist --set "$fm" \
			--vary model.upsample=transposed,transposed-k3,nearest,bilinear,pixelshuffle --seeds 2 --workers 5 ;;
		stacked) study stacked --preset dcgan-fmnist --set "data.path=stacked:$DATA" \
			--variant "dcgan:" --variant "pacgan2:model.pack=2" --variant "mbstd:model.mbstd=true" --seeds 2 --workers 3 --eval-n 26000 ;;
		stacked-weak) study stacked-weak "${weak[@]}" --workers 8 \
			--variant "ns:" --variant "mbstd:model.mbstd=true" --variant "mbdisc:model.mbdisc=true" \
			--variant "pacgan2:model.pack=2" --variant "pacgan4:model.pack=4" ;;
		stacked-weak-r1r2) # R1 + R2 at two weights, with the NS loss and with RpGAN
			local v=() g
			for g in 0.1 1; do
				v+=(--variant "ns-r1r2-$g:train.penalties=[{name: r1, weight: $g}, {name: r2, weight: $g}]")
				v+=(--variant "rpgan-r1r2-$g:train.loss=rpgan,train.penalties=[{name: r1, weight: $g}, {name: r2, weight: $g}]")
			done
			study stacked-weak-r1r2 "${weak[@]}" --workers 12 "${v[@]}" ;;
		toys-r3) # the toy protocol at lr 1e-3 (table 1b), on the report seeds 10-14
			local lr="train.lr_g=1e-3,train.lr_d=1e-3" r1r2="train.penalties=[{name: r1, weight: 0.1}, {name: r2, weight: 0.1}]" d
			for d in ${TOYS:-grid25 ring8}; do
				study "toys-r3-$d" --preset "$d" --steps 10000 --first-seed 10 --seeds 5 --workers "${WORKERS:-10}" \
					--variant "vanilla:$lr" --variant "r1-0.1+ema:$lr,train.penalty=r1,train.penalty_weight=0.1,train.ema=0.999" \
					--variant "rpgan+r1+r2-0.1:$lr,train.loss=rpgan,$r1r2" \
					--variant "rpgan+r1+r2-0.1+ema:$lr,train.loss=rpgan,$r1r2,train.ema=0.999"
			done ;;
		fid-equal-time) # r3gan against dcgan-fmnist for SECONDS of training each, one at a time
			local p sps n
			for p in dcgan-fmnist r3gan; do
				"$G" train --backend "$BE" --preset "$p" --set "$fm" --steps 150 --set train.sample_every=0 \
					--set train.checkpoint_every=0 --out "$RES/probe-$p" >"$RES/probe-$p.log" 2>&1
				sps=$(python3 -c "import json,statistics,sys;print(statistics.median(json.loads(l)['sec_per_step'] for l in open(sys.argv[1]) if json.loads(l)['step']>=30))" "$RES/probe-$p/metrics.jsonl")
				n=$(python3 -c "print(max(100, int(${SECONDS_EACH:-75} / $sps)))")
				echo "fid-equal-time: $p at $sps s/step -> $n steps in ${SECONDS_EACH:-75} s" | tee -a "$OUT/summary.txt"
				study "fid-$p" --preset "$p" --set "$fm" --variant "$p:" --seeds 1 --workers 1 --steps "$n"
			done ;;
		*) echo "unknown study $1" | tee -a "$OUT/summary.txt" ;;
		esac
	}
	shift
	[ $# -eq 0 ] && set -- fmnist-dcgan fmnist-seed-tips fmnist-sngan-hinge fmnist-pggan-tricks fmnist-wgan-gp checkerboard stacked
	for s in "$@"; do one "$s"; done
	;;
*)
	echo "usage: $0 build|run" >&2
	exit 2
	;;
esac
