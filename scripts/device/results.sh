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
	BE="xla:$PLUGIN"
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
