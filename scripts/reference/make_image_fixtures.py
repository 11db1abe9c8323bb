#!/usr/bin/python3
"""Fixtures for data's decoding tests: one small 4x4 image per PNG colour type and bit
depth, and a GIF, a WebP, a BMP, a TIFF and a JPEG, each holding a known picture, and
the picture each should decode to.

PNGs are written here chunk by chunk (signature, IHDR, PLTE, tRNS, IDAT through zlib,
IEND, each with its CRC-32: the PNG specification, 2nd edition, sections 5 and 11), so
that every colour type exists whatever an encoder chooses to write: Go's image/png
writes no grey + alpha, no 1/2/4-bit grey and no tRNS on grey or truecolour images.
The other formats are written by Pillow (python3-pil, Debian; its WebP through
libwebp, lossless with exact=True so even fully transparent pixels keep their colour).

Writes data/testdata/formats/*.{png,gif,webp,bmp,tiff,jpg} and
data/testdata/formats.json: for each file its expected pixels as straight
(non-premultiplied) 8-bit RGBA, in hex, rows top to bottom, and the largest difference a
decoder may show (0, except for JPEG, which is lossy).

Usage: /usr/bin/python3 scripts/reference/make_image_fixtures.py   (Pillow 9.4, Debian)
"""
import io, json, os, struct, zlib

from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "testdata")
OUT = os.path.join(ROOT, "formats")
W = H = 4
ALPHAS = [0, 36, 73, 109, 146, 182, 219, 255]  # transparent, partial, opaque


def alpha(x, y):
    return ALPHAS[(x + 2 * y) % 8]


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(colour_type, depth, rows, plte=None, trns=None):
    """rows: per row, the samples of each pixel (a list of ints per pixel)."""
    raw = b""
    for row in rows:
        samples = [s for px in row for s in px]
        if depth < 8:  # packed, most significant bits first, each row padded to a byte
            bits = "".join(format(s, "0%db" % depth) for s in samples)
            bits += "0" * (-len(bits) % 8)
            line = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
        elif depth == 8:
            line = bytes(samples)
        else:
            line = b"".join(struct.pack(">H", s) for s in samples)
        raw += b"\x00" + line  # filter type 0 (None)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, depth, colour_type, 0, 0, 0))
    if plte is not None:
        out += chunk(b"PLTE", bytes(c for rgb in plte for c in rgb))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    return out + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def rgb_at(x, y):
    return (x * 64, y * 64, (x + y) * 32)


files = {}


def add(name, data, pixels, tolerance=0):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    files[name] = {"rgba": bytes(c for p in pixels for c in p).hex(), "tolerance": tolerance}


def grid(f):
    return [f(x, y) for y in range(H) for x in range(W)]


os.makedirs(OUT, exist_ok=True)

# Grey, 1/2/4/8/16 bits: sample s of depth d is the level s * 255 / (2^d - 1).
for d in (1, 2, 4, 8, 16):
    top = (1 << d) - 1
    if d <= 8:
        s = lambda x, y: (x + 2 * y) % (top + 1) if d < 8 else x * 60 + y * 7
        level = lambda x, y: s(x, y) * 255 // top
    else:
        level = lambda x, y: x * 60 + y * 7
        s = lambda x, y: level(x, y) * 257  # a 16-bit level whose high byte is the 8-bit one
    rows = [[[s(x, y)] for x in range(W)] for y in range(H)]
    add("grey%d.png" % d, png(0, d, rows), grid(lambda x, y: (level(x, y),) * 3 + (255,)))

# Grey with a tRNS colour: level 60 (x = 1, y = 0) is fully transparent.
rows = [[[x * 60 + y * 7] for x in range(W)] for y in range(H)]
add("grey8_trns.png", png(0, 8, rows, trns=struct.pack(">H", 60)),
    grid(lambda x, y: (x * 60 + y * 7,) * 3 + (0 if x * 60 + y * 7 == 60 else 255,)))

# Grey + alpha, 8 and 16 bits.
ga = lambda x, y: (200 - x * 40 - y * 9, alpha(x, y))
rows = [[list(ga(x, y)) for x in range(W)] for y in range(H)]
add("grey_alpha8.png", png(4, 8, rows), grid(lambda x, y: (ga(x, y)[0],) * 3 + (ga(x, y)[1],)))
rows = [[[v * 257 for v in ga(x, y)] for x in range(W)] for y in range(H)]
add("grey_alpha16.png", png(4, 16, rows), grid(lambda x, y: (ga(x, y)[0],) * 3 + (ga(x, y)[1],)))

# RGB, 8 and 16 bits, and RGB 8 with a tRNS colour (pixel (1, 1) = (64, 64, 64)).
rows = [[list(rgb_at(x, y)) for x in range(W)] for y in range(H)]
add("rgb8.png", png(2, 8, rows), grid(lambda x, y: rgb_at(x, y) + (255,)))
add("rgb8_trns.png", png(2, 8, rows, trns=struct.pack(">HHH", 64, 64, 64)),
    grid(lambda x, y: rgb_at(x, y) + (0 if rgb_at(x, y) == (64, 64, 64) else 255,)))
rows = [[[v * 257 for v in rgb_at(x, y)] for x in range(W)] for y in range(H)]
add("rgb16.png", png(2, 16, rows), grid(lambda x, y: rgb_at(x, y) + (255,)))

# RGBA, 8 and 16 bits.
rgba = lambda x, y: rgb_at(x, y) + (alpha(x, y),)
rows = [[list(rgba(x, y)) for x in range(W)] for y in range(H)]
add("rgba8.png", png(6, 8, rows), grid(rgba))
rows = [[[v * 257 for v in rgba(x, y)] for x in range(W)] for y in range(H)]
add("rgba16.png", png(6, 16, rows), grid(rgba))

# Palette, 1/2/4/8 bits: index (x + 2y) mod 2^d; entry k is (37k, 91k, 53k) mod 256.
# The 8-bit one has a tRNS chunk shorter than its palette (entries past it are opaque).
for d in (1, 2, 4, 8):
    n = min(1 << d, W + 2 * H)
    plte = [((37 * k) % 256, (91 * k) % 256, (53 * k) % 256) for k in range(n)]
    idx = lambda x, y: (x + 2 * y) % n
    rows = [[[idx(x, y)] for x in range(W)] for y in range(H)]
    add("palette%d.png" % d, png(3, d, rows, plte=plte), grid(lambda x, y: plte[idx(x, y)] + (255,)))
    if d in (4, 8):
        trns = [(85 * k) % 256 for k in range(n // 2)]
        a = lambda k: trns[k] if k < len(trns) else 255
        add("palette%d_trns.png" % d, png(3, d, rows, plte=plte, trns=bytes(trns)),
            grid(lambda x, y: plte[idx(x, y)] + (a(idx(x, y)),)))


def pil(name, img, pixels, tolerance=0, **kw):
    b = io.BytesIO()
    img.save(b, **kw)
    add(name, b.getvalue(), pixels, tolerance)


def rgba_image(f):
    img = Image.new("RGBA", (W, H))
    img.putdata(grid(f))
    return img


# GIF: a 16-colour palette, index 3 transparent (GIF's one transparent entry).
plte = [((37 * k) % 256, (91 * k) % 256, (53 * k) % 256) for k in range(16)]
gidx = lambda x, y: (x + 2 * y) % 16
gif = Image.new("P", (W, H))
gif.putpalette([c for rgb in plte for c in rgb])
gif.putdata(grid(gidx))
pil("palette.gif", gif, grid(lambda x, y: plte[gidx(x, y)] + (0 if gidx(x, y) == 3 else 255,)),
    format="GIF", transparency=3, optimize=False)
# WebP, lossless with alpha (VP8L in a VP8X container).
pil("rgba.webp", rgba_image(rgba), grid(rgba), format="WEBP", lossless=True, exact=True)
# BMP: 24-bit RGB.
pil("rgb.bmp", rgba_image(rgba).convert("RGB"), grid(lambda x, y: rgb_at(x, y) + (255,)), format="BMP")
# TIFF: 8-bit RGBA with unassociated (straight) alpha, uncompressed.
pil("rgba.tiff", rgba_image(rgba), grid(rgba), format="TIFF")
# JPEG: lossy, so compared within a tolerance; a smooth picture keeps the error small.
pil("rgb.jpg", rgba_image(rgba).convert("RGB"), grid(lambda x, y: rgb_at(x, y) + (255,)), tolerance=12,
    format="JPEG", quality=95, subsampling=0)

with open(os.path.join(ROOT, "formats.json"), "w") as f:
    json.dump({"width": W, "height": H, "files": files}, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote %d files to %s" % (len(files), OUT))
