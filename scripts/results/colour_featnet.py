"""Image folders for scripts/results/colour-featnet.sh: two halves of the emoji folder
that scripts/results/colour-dataset.sh builds, and one half spoilt in ways a person
sees at once, all at 32x32 RGB on white.

    /usr/bin/python3 scripts/results/colour_featnet.py folders SRC OUT
    /usr/bin/python3 scripts/results/colour_featnet.py table EVALDIR NAME...
    /usr/bin/python3 scripts/results/colour_featnet.py grid IMAGEDIR PNG NAME...

"table" prints the markdown table of docs/results.md from EVALDIR/NAME.colour.json
and EVALDIR/NAME.grey.json (gankit eval --json with the colour and the Fashion-MNIST
network), in the order given, with each network's rank of the candidates. "grid"
writes one row of 16 images a candidate (the same files of each of real-b's
derivatives; every 50th sample of a GAN), in the order given, to PNG.

SRC has one sub-folder per class. Every image is composited onto white and resized to
32x32 (PIL's bicubic) once, here, so that the reference and every candidate go through
the same pixels; gankit reads a 32x32 PNG unchanged. The halves split each class by
emoji, not by file: the skin tones of one emoji (1F466.png, 1F466-1F3FB.png, ...) and
the sequences that start with the same code point go to the same half, which is
filled greedily so the two differ by a few images, then trimmed to the same count
(gankit eval compares the first N reference images with N candidates).

OUT/real-a      the reference half (also what the GANs train on), one folder per class
OUT/real-b      the held-out half
OUT/blur1       real-b, Gaussian blur of radius 1 px
OUT/blur2       real-b, Gaussian blur of radius 2 px
OUT/noise10     real-b plus Gaussian noise of standard deviation 0.1 (of the 0-1 range)
OUT/noise25     real-b plus Gaussian noise of standard deviation 0.25
OUT/bgr         real-b with red and blue swapped
OUT/mean-colour each image of real-b filled with its own mean colour
OUT/one-class   real-b's "people" images, repeated to real-b's count (a collapsed generator)
"""

import json
import os
import sys

import numpy as np
from PIL import Image, ImageFilter

SIZE = 32


def load(path):
    im = Image.open(path).convert("RGBA")
    white = Image.new("RGBA", im.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, im).convert("RGB").resize((SIZE, SIZE), Image.BICUBIC)


def halves(src):
    """Returns the (class, file name) pairs of each half, split by emoji."""
    groups = []
    for cls in sorted(os.listdir(src)):
        by_base = {}
        for name in sorted(os.listdir(os.path.join(src, cls))):
            by_base.setdefault(name.split("-")[0].split(".")[0], []).append(name)
        groups += [[(cls, n) for n in by_base[b]] for b in sorted(by_base)]
    a, b = [], []
    for g in groups:
        (a if len(a) <= len(b) else b).extend(g)
    n = min(len(a), len(b))
    return a[:n], b[:n]


def save(img, out, sub, name):
    d = os.path.join(out, sub)
    os.makedirs(d, exist_ok=True)
    img.save(os.path.join(d, name))


def main(src, out):
    a, b = halves(src)
    for cls, name in a:
        save(load(os.path.join(src, cls, name)), out, os.path.join("real-a", cls), name)
    rng = np.random.default_rng(19)
    people = []
    for cls, name in b:
        img = load(os.path.join(src, cls, name))
        x = np.asarray(img, dtype=np.float64) / 255
        save(img, out, os.path.join("real-b", cls), name)
        save(img.filter(ImageFilter.GaussianBlur(1)), out, "blur1", name)
        save(img.filter(ImageFilter.GaussianBlur(2)), out, "blur2", name)
        for sd in (10, 25):
            noisy = np.clip(x + rng.normal(0, sd / 100, x.shape), 0, 1)
            save(Image.fromarray(np.uint8(np.round(noisy * 255))), out, f"noise{sd}", name)
        save(Image.fromarray(np.asarray(img)[:, :, ::-1].copy()), out, "bgr", name)
        mean = np.round(x.reshape(-1, 3).mean(0) * 255)
        save(Image.fromarray(np.uint8(np.broadcast_to(mean, x.shape))), out, "mean-colour", name)
        if cls == "people":
            people.append(img)
    for i in range(len(b)):
        save(people[i % len(people)], out, "one-class", f"{i:04d}.png")
    print(f"{len(a)} reference images ({out}/real-a), {len(b)} in each candidate")


def table(evaldir, names):
    res = {}
    for name in names:
        for net in ("colour", "grey"):
            with open(os.path.join(evaldir, f"{name}.{net}.json")) as f:
                res[name, net] = json.load(f)["images"]
    rank = {}
    for net in ("colour", "grey"):
        for i, name in enumerate(sorted(names, key=lambda n: res[n, net]["fid"])):
            rank[name, net] = i + 1
    print("| candidate (n = %d) | FID, colour net | KID, colour net | rank | FID, Fashion-MNIST net | KID, Fashion-MNIST net | rank |"
          % res[names[0], "colour"]["n"])
    print("|---|---|---|---|---|---|---|")
    for name in names:
        c, g = res[name, "colour"], res[name, "grey"]
        print(f"| {name} | {c['fid']:.1f} | {c['kid']:.1f} | {rank[name, 'colour']} "
              f"| {g['fid']:.1f} | {g['kid']:.2f} | {rank[name, 'grey']} |")
    print()
    for net in ("colour", "grey"):
        print(f"{net} net sha256 {res[names[0], net]['feature_net_sha256']}")


def grid(imagedir, out, names):
    rows = []
    for name in names:
        files = []
        for root, _, fs in os.walk(os.path.join(imagedir, name)):
            files += [os.path.join(root, f) for f in fs if f.endswith(".png")]
        files.sort(key=lambda p: os.path.basename(p))
        rows.append([Image.open(p).convert("RGB") for p in files[::50][:16]])
    g = Image.new("RGB", (16 * (SIZE + 2), len(rows) * (SIZE + 2)), "white")
    for r, row in enumerate(rows):
        for c, img in enumerate(row):
            g.paste(img, (c * (SIZE + 2), r * (SIZE + 2)))
    g.save(out, optimize=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "folders":
        main(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "table":
        table(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) >= 5 and sys.argv[1] == "grid":
        grid(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)
