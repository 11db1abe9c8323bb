#!/bin/bash
# Does the colour feature network (metrics/featnet/emojione32.gob.gz, see gankit
# classifier train --help) rank visibly different image sets as a person would?
# docs/results.md, "A feature network for colour emoji". Against one half of the
# emoji (scripts/results/colour-dataset.sh), FID and KID with the colour network and,
# for comparison, the committed Fashion-MNIST one (grey 28x28) of: the other half;
# that half blurred, noised, with red and blue swapped, flattened to each image's mean
# colour, and reduced to one class repeated; and the samples of the dcgan-fmnist
# preset trained on the reference half at 32x32x3 for SHORT and for LONG iterations
# (one run, copied at SHORT and resumed). scripts/results/colour_featnet.py makes the
# folders, the table and a grid of each candidate's images. About 10 minutes on 2
# busy cores, 4 of them training.
#
#   GANKIT=gankit OUT=results/colour-featnet SHORT=100 LONG=1000 scripts/results/colour-featnet.sh
set -euo pipefail
G=${GANKIT:-gankit}
DATA=${DATA:-$HOME/.cache/gankit-data/emojione}
OUT=${OUT:-results/colour-featnet}
NET=${NET:-metrics/featnet/emojione32.gob.gz}
SHORT=${SHORT:-100}
LONG=${LONG:-1000}
HERE=$(dirname "$0")

[ -d "$DATA" ] || "$HERE/colour-dataset.sh" "$DATA"
dpkg-query -W -f='${Status}' python3-pil 2>/dev/null | grep -q 'install ok installed' ||
  { SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo; $SUDO apt-get install -y --no-install-recommends python3-pil python3-numpy >/dev/null; }

rm -rf "$OUT"
mkdir -p "$OUT/eval"
/usr/bin/python3 "$HERE/colour_featnet.py" folders "$DATA" "$OUT/images"
N=$(find "$OUT/images/real-b" -name '*.png' | wc -l)

"$G" train --preset dcgan-fmnist --set data.path="$OUT/images/real-a" --set data.size=32 --set data.channels=3 \
  --set train.steps="$SHORT" --set train.sample_every="$SHORT" --set train.checkpoint_every="$SHORT" --out "$OUT/runs/gan-$SHORT"
cp -r "$OUT/runs/gan-$SHORT" "$OUT/runs/gan-$LONG"
"$G" train --resume "$OUT/runs/gan-$LONG" --set train.steps="$LONG" --set train.sample_every="$LONG" --set train.checkpoint_every="$LONG"
for steps in "$SHORT" "$LONG"; do
  "$G" sample --run "$OUT/runs/gan-$steps" --format png-folder --n "$N" --out "$OUT/images/gan-$steps"
done

NAMES="real-b noise10 blur1 bgr noise25 blur2 gan-$LONG one-class gan-$SHORT mean-colour"
for name in $NAMES; do
  "$G" eval --images "$OUT/images/$name" --real "$OUT/images/real-a" --feature-net "$NET" --metrics fid,kid --json >"$OUT/eval/$name.colour.json"
  "$G" eval --images "$OUT/images/$name" --real "$OUT/images/real-a" --metrics fid,kid --json >"$OUT/eval/$name.grey.json"
done
/usr/bin/python3 "$HERE/colour_featnet.py" grid "$OUT/images" "$OUT/candidates.png" $NAMES
/usr/bin/python3 "$HERE/colour_featnet.py" table "$OUT/eval" $NAMES | tee "$OUT/table.md"
echo "$OUT/table.md"
echo "$OUT/candidates.png (docs/results_files/colour-featnet-candidates.png)"
