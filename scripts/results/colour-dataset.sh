#!/bin/bash
# A real colour dataset of fewer than 5,000 images that a Debian package ships, with
# labels: EmojiOne's emoji from ruby-gemojione (Debian bookworm, 3.3.0-1, CC-BY 4.0
# artwork). The package ships one 64x64 PNG per emoji under
#   /usr/share/rubygems-integration/all/gems/gemojione-3.3.0/assets/png/<CODEPOINTS>.png
# (1,794 files: 8-bit palette, RGBA, grey + alpha, grey, 1-, 2- and 4-bit palette) and
# config/index.json beside it, whose entries give each file's emoji ("unicode", the
# file's name) its category. The category is the class, one sub-folder per class:
#
#   activity 145, flags 253, food 85, nature 161, objects 179, people 570,
#   symbols 273, travel 118  (1,784 images; people counts each skin tone of an emoji)
#
# left out: the 5 skin-tone swatches ("modifier") and 1 "extras" entry, too few for a
# class; and 4 flags that repeat another flag's file byte for byte (EmojiOne has one
# picture for Diego Garcia and the British Indian Ocean Territory, one for Bouvet
# Island and Svalbard, and the French flag for Clipperton, St. Martin and Wallis &
# Futuna); of each group the first file in sorted order is kept. The images are
# symlinks to the package's files (64x64: gankit resizes them to data.size).
#
#   scripts/results/colour-dataset.sh [DIR]     (default $HOME/.cache/gankit-data/emojione)
#
# Runs as root or with sudo for apt-get; a second run only rebuilds the folder.
set -euo pipefail
PKG=ruby-gemojione
GEM=/usr/share/rubygems-integration/all/gems/gemojione-3.3.0
OUT=${1:-$HOME/.cache/gankit-data/emojione}

if ! dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'install ok installed'; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y --no-install-recommends "$PKG" >/dev/null
fi
[ -f "$GEM/config/index.json" ] || { echo "colour-dataset: $GEM/config/index.json not found; is $PKG 3.3.0 installed?" >&2; exit 1; }
echo "$PKG $(dpkg-query -W -f='${Version}' "$PKG")"

# Build in a temporary folder beside OUT and swap it in, so a folder that exists is complete.
mkdir -p "$(dirname "$OUT")"
TMP=$(mktemp -d "$OUT.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 - "$GEM" "$TMP" <<'EOF'
import hashlib, json, os, sys
gem, out = sys.argv[1], sys.argv[2]
with open(os.path.join(gem, "config", "index.json")) as f:
    index = json.load(f)
keep = {"activity", "flags", "food", "nature", "objects", "people", "symbols", "travel"}
seen, counts, dups = {}, {}, []
for entry in sorted(index.values(), key=lambda e: e["unicode"]):
    cat, name = entry["category"], entry["unicode"] + ".png"
    if cat not in keep:
        continue
    path = os.path.join(gem, "assets", "png", name)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest in seen:
        dups.append(f"{name} (same file as {seen[digest]})")
        continue
    seen[digest] = name
    os.makedirs(os.path.join(out, cat), exist_ok=True)
    os.symlink(path, os.path.join(out, cat, name))
    counts[cat] = counts.get(cat, 0) + 1
for name in dups:
    print("left out duplicate", name)
for cat in sorted(counts):
    print(f"{cat:10s} {counts[cat]:5d}")
print(f"{'total':10s} {sum(counts.values()):5d}")
EOF
rm -rf "$OUT"
mv "$TMP" "$OUT"
trap - EXIT
echo "$OUT"
