#!/bin/bash
# GPU check of gankit's tests and benchmark on an XLA PJRT plugin.
#
#   scripts/device/check.sh build   # here: test binaries and gankit, gzipped, into devicebin/
#   scripts/device/check.sh run     # on the GPU machine (no Go there): unpack and run them
#
# "run" finds JAX's CUDA plugin in Python's site-packages (or any xla_cuda_plugin.so),
# adds it to the tests' backends ($GANKIT_TEST_BACKENDS) and writes logs and a summary
# under $OUT. Tests that compare against saved values run from their package folders.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PKGS="losses data nets train"
case "${1:-}" in
build)
	mkdir -p "$ROOT/devicebin"
	for p in $PKGS; do
		(cd "$ROOT" && go test -c -ldflags="-s -w" -o "devicebin/$p.test" "./$p") || exit 1
	done
	(cd "$ROOT" && go build -ldflags="-s -w" -o devicebin/gankit ./cmd/gankit) || exit 1
	gzip -9f "$ROOT"/devicebin/*.test "$ROOT/devicebin/gankit"
	du -ch "$ROOT"/devicebin/*.gz | tail -1
	;;
run)
	OUT=${OUT:-/tmp/gankit-check}
	BIN=$(mktemp -d)
	mkdir -p "$OUT"
	for f in "$ROOT"/devicebin/*.gz; do
		b=$(basename "$f" .gz)
		gunzip -c "$f" >"$BIN/$b" && chmod +x "$BIN/$b"
	done
	SP=$(python3 -c "import site;print(site.getsitepackages()[0])" 2>/dev/null)
	PLUGIN=$(ls "$SP"/jax_plugins/xla_cuda*/xla_cuda_plugin.so 2>/dev/null | head -1)
	[ -z "$PLUGIN" ] && PLUGIN=$(find / -name 'xla_cuda_plugin.so' 2>/dev/null | head -1)
	echo "plugin: $PLUGIN" | tee "$OUT/summary.txt"
	export GANKIT_TEST_BACKENDS="xla:$PLUGIN" GOMLX_NO_AUTO_INSTALL=1
	for p in $PKGS; do
		s=$(date +%s)
		(cd "$ROOT/$p" && timeout 170 "$BIN/$p.test" -test.count=1 -test.v) >"$OUT/$p.log" 2>&1
		echo "$p: rc=$? in $(($(date +%s) - s))s, $(grep -c -- '--- FAIL' "$OUT/$p.log") failures" | tee -a "$OUT/summary.txt"
	done
	(cd "$ROOT" && timeout 90 "$BIN/gankit" bench --backend "xla:$PLUGIN" --batches 64,256 --iters 20 --no-torch) 2>&1 | tee -a "$OUT/summary.txt"
	;;
*)
	echo "usage: $0 build|run" >&2
	exit 2
	;;
esac
