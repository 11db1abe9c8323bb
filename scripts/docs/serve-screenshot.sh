#!/usr/bin/env bash
# Makes docs/serve.png, the README's picture of `gankit serve`'s page: trains the tiny
# preset for longer than its smoke run (so the samples look like something), keeping
# G_ema, then runs the page's Chromium test against it with the screenshot sent to
# docs/serve.png. Needs chromium (apt-get install chromium); about a minute on 2 cores.
#
# Usage: scripts/docs/serve-screenshot.sh [STEPS]   (default 1500)
set -euo pipefail
cd "$(dirname "$0")/../.."
steps="${1:-1500}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go run ./cmd/gankit train --preset tiny --steps "$steps" --set train.ema=0.99 \
  --set train.checkpoint_every="$steps" --set train.sample_every=0 --out "$work/tiny"
GANKIT_SERVE_RUN="$work/tiny" GANKIT_SCREENSHOT="$PWD/docs/serve.png" \
  go test ./serve -run '^TestPageInHeadlessChromium$' -count=1 -v | grep -E 'screenshot|^(ok|FAIL|---)'
echo "docs/serve.png"
