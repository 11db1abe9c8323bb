package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// The bgc pipeline's magnitudes, StyleGAN2-ADA's published defaults
// (training/augment.py, AugmentPipe; train.py's "bgc" sets every probability
// multiplier of blit, geom and color to 1).
const (
	XIntMax       = 0.125 // integer translation: up to this share of the image size
	ScaleStd      = 0.2   // isotropic scaling: log2 standard deviation
	RotateMax     = 1.0   // arbitrary rotation: uniform over this share of a full turn
	AnisoStd      = 0.2   // anisotropic scaling: log2 standard deviation
	XFracStd      = 0.125 // fractional translation: standard deviation, share of the image size
	BrightnessStd = 0.2   // brightness: standard deviation of the offset added
	ContrastStd   = 0.5   // contrast: log2 standard deviation
	HueMax        = 1.0   // hue rotation: uniform over this share of a full turn
	SaturationStd = 1.0   // saturation: log2 standard deviation
)

// Pipeline is which of the bgc pipeline's groups run: blit (x-flip, 90° rotations,
// integer translation), geometric (isotropic scaling, rotation, anisotropic scaling,
// fractional translation) and colour (brightness, contrast, luma flip, hue,
// saturation). Each transform of a group applies to each image independently with
// probability p (rotation: twice, each time with 1 - sqrt(1 - p), so that it rotates
// with probability p).
type Pipeline struct {
	Blit, Geometric, Color bool
}

// Parse reads train.ada: "bgc", or any of its letters in that order ("bg", "c", ...);
// "" is off.
func Parse(spec string) (Pipeline, error) {
	var p Pipeline
	rest := spec
	for _, g := range []struct {
		letter byte
		on     *bool
	}{{'b', &p.Blit}, {'g', &p.Geometric}, {'c', &p.Color}} {
		if rest != "" && rest[0] == g.letter {
			*g.on, rest = true, rest[1:]
		}
	}
	if rest != "" {
		return Pipeline{}, fmt.Errorf("train.ada: %q is not a pipeline: want bgc or a subset of its letters in that order (b = blit, g = geometric, c = colour; \"\" = off)", spec)
	}
	return p, nil
}

// On says whether any group runs.
func (p Pipeline) On() bool { return p.Blit || p.Geometric || p.Color }

func (p Pipeline) String() string {
	var b strings.Builder
	for _, g := range []struct {
		on     bool
		letter string
	}{{p.Blit, "b"}, {p.Geometric, "g"}, {p.Color, "c"}} {
		if g.on {
			b.WriteString(g.letter)
		}
	}
	return b.String()
}

// warps says whether the pipeline moves pixels.
func (p Pipeline) warps() bool { return p.Blit || p.Geometric }

// Params are one image's drawn transforms. The zero transforms are Unchanged's.
type Params struct {
	FlipX          bool    // x-flip
	QuarterTurns   int     // 90° rotations, 0..3
	ShiftX, ShiftY int     // integer translation, pixels
	Scale          float64 // isotropic scaling factor
	Rotate1        float64 // rotation before the anisotropic scaling, radians
	Aniso          float64 // anisotropic scaling: x by Aniso, y by 1/Aniso
	Rotate2        float64 // rotation after it, radians
	FracX, FracY   float64 // fractional translation, pixels

	Brightness float64 // added to every channel
	Contrast   float64 // factor on every channel
	LumaFlip   bool    // reflection of the colour through the plane normal to the grey axis
	Hue        float64 // rotation around the grey axis, radians
	Saturation float64 // factor on the colour's distance from the grey axis
}

// Unchanged is the image left as it is.
func Unchanged() Params { return Params{Scale: 1, Aniso: 1, Contrast: 1, Saturation: 1} }

// Warp maps an output pixel to the input position it samples, in pixel units centred
// on the image (x to the right, y down): augment.py's G_inv, composed from the
// inverse of each transform in the pipeline's order.
func (q Params) Warp() Mat3 {
	g := eye3()
	if q.FlipX {
		g = g.Mul(scale2d(-1, 1))
	}
	g = g.Mul(quarterTurns(q.QuarterTurns))
	g = g.Mul(translate2d(-float64(q.ShiftX), -float64(q.ShiftY)))
	g = g.Mul(scale2d(1/q.Scale, 1/q.Scale))
	g = g.Mul(rotate2d(q.Rotate1))
	g = g.Mul(scale2d(1/q.Aniso, q.Aniso))
	g = g.Mul(rotate2d(q.Rotate2))
	return g.Mul(translate2d(-q.FracX, -q.FracY))
}

// Color maps an input colour [r g b 1] to the output's: augment.py's C, each
// transform multiplied on the left in the pipeline's order.
func (q Params) Color() Mat4 {
	c := translate3d(q.Brightness)
	c = scale3d(q.Contrast).Mul(c)
	v := lumaAxis()
	vv := outer(v)
	if q.LumaFlip {
		h := eye4()
		for i := range 4 {
			for j := range 4 {
				h[i][j] -= 2 * vv[i][j]
			}
		}
		c = h.Mul(c)
	}
	c = rotate3d(v, q.Hue).Mul(c)
	var s Mat4
	id := eye4()
	for i := range 4 {
		for j := range 4 {
			s[i][j] = vv[i][j] + (id[i][j]-vv[i][j])*q.Saturation
		}
	}
	return s.Mul(c)
}

// Draw draws the transforms of n images at augmentation probability p, for images
// of size pixels a side with the given channels (hue and saturation act on colour
// images only). Every image takes the same number of values from r whatever p is;
// those of a group that is off are not drawn.
func (pl Pipeline) Draw(r *rand.Rand, p float64, n, size, channels int) []Params {
	out := make([]Params, n)
	coin := func() bool { return r.Float64() < p }
	pRot := 1 - math.Sqrt(min(max(1-p, 0), 1)) // P(pre or post rotation) = p
	for k := range out {
		q := Unchanged()
		if pl.Blit {
			flip := r.IntN(2) == 1
			q.FlipX = coin() && flip
			turns := r.IntN(4)
			if coin() {
				q.QuarterTurns = turns
			}
			tx, ty := (2*r.Float64()-1)*XIntMax, (2*r.Float64()-1)*XIntMax
			if coin() {
				q.ShiftX = int(math.RoundToEven(tx * float64(size)))
				q.ShiftY = int(math.RoundToEven(ty * float64(size)))
			}
		}
		if pl.Geometric {
			s := math.Exp2(r.NormFloat64() * ScaleStd)
			if coin() {
				q.Scale = s
			}
			theta := (2*r.Float64() - 1) * math.Pi * RotateMax
			if r.Float64() < pRot {
				q.Rotate1 = theta
			}
			a := math.Exp2(r.NormFloat64() * AnisoStd)
			if coin() {
				q.Aniso = a
			}
			theta = (2*r.Float64() - 1) * math.Pi * RotateMax
			if r.Float64() < pRot {
				q.Rotate2 = theta
			}
			fx, fy := r.NormFloat64()*XFracStd, r.NormFloat64()*XFracStd
			if coin() {
				q.FracX, q.FracY = fx*float64(size), fy*float64(size)
			}
		}
		if pl.Color {
			b := r.NormFloat64() * BrightnessStd
			if coin() {
				q.Brightness = b
			}
			c := math.Exp2(r.NormFloat64() * ContrastStd)
			if coin() {
				q.Contrast = c
			}
			flip := r.IntN(2) == 1
			q.LumaFlip = coin() && flip
			h := (2*r.Float64() - 1) * math.Pi * HueMax
			if coin() && channels > 1 {
				q.Hue = h
			}
			s := math.Exp2(r.NormFloat64() * SaturationStd)
			if coin() && channels > 1 {
				q.Saturation = s
			}
		}
		out[k] = q
	}
	return out
}
