package metrics

import (
	"fmt"
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/dsp/fourier"
)

// RadialSpectrum is the mean power spectrum of n square images (size x size,
// channels-last, any range), azimuthally integrated (Durall et al. 2020): each image
// is made grayscale (mean of its channels), its 2-D DFT's power |F(u, v)|^2 is
// averaged over the images, and bin r holds the mean power at frequencies whose
// distance from zero rounds to r, for r = 0 .. round(size/sqrt(2)) (the corner, where
// a checkerboard's (N/2, N/2) frequency lands).
func RadialSpectrum(images []float32, n, size, channels int) ([]float64, error) {
	if n < 1 || len(images) != n*size*size*channels {
		return nil, fmt.Errorf("spectrum: %d values is not %d images of %dx%dx%d", len(images), n, size, size, channels)
	}
	fft := fourier.NewCmplxFFT(size)
	power := make([]float64, size*size)
	grid := make([]complex128, size*size)
	line, out := make([]complex128, size), make([]complex128, size)
	for b := range n {
		img := images[b*size*size*channels:]
		for p := range size * size {
			var g float64
			for c := range channels {
				g += float64(img[p*channels+c])
			}
			grid[p] = complex(g/float64(channels), 0)
		}
		for r := range size { // rows, then columns
			fft.Coefficients(out, grid[r*size:(r+1)*size])
			copy(grid[r*size:], out)
		}
		for c := range size {
			for r := range size {
				line[r] = grid[r*size+c]
			}
			fft.Coefficients(out, line)
			for r := range size {
				grid[r*size+c] = out[r]
			}
		}
		for p, v := range grid {
			a := cmplx.Abs(v)
			power[p] += a * a / float64(n)
		}
	}
	bins := maxRadius(size) + 1
	sum, count := make([]float64, bins), make([]float64, bins)
	for u := range size {
		for v := range size {
			fu, fv := wrap(u, size), wrap(v, size)
			r := int(math.Round(math.Hypot(float64(fu), float64(fv))))
			sum[r] += power[u*size+v]
			count[r]++
		}
	}
	for r := range sum {
		sum[r] /= max(count[r], 1)
	}
	return sum, nil
}

// maxRadius is the largest rounded frequency radius of a size x size DFT.
func maxRadius(size int) int {
	h := float64(size / 2)
	return int(math.Round(math.Hypot(h, h)))
}

// wrap maps a DFT index to its signed frequency.
func wrap(k, n int) int {
	if k > n/2 {
		return k - n
	}
	return k
}

// Checkerboard compares generated images' radial spectrum with real ones' (docs/protocols.md,
// "Checkerboard"): Score is the relative excess energy of the generated spectrum over the real
// one at the highest frequencies (radius 3N/8 up to the corner), and PeakHalf and
// PeakQuarter the ratios of their power at radius N/2 and N/4 — where a 7->14->28
// generator's upsampling leaves its marks. 0 and 1, 1 for a perfect match.
type Checkerboard struct {
	Score       float64 `json:"score"`
	PeakHalf    float64 `json:"peak_half"`
	PeakQuarter float64 `json:"peak_quarter"`
}

// CompareSpectra scores generated against real radial spectra of images of side size.
func CompareSpectra(gen, real []float64, size int) (Checkerboard, error) {
	half, bins := size/2, maxRadius(size)+1
	if len(gen) != bins || len(real) != bins {
		return Checkerboard{}, fmt.Errorf("spectra of %d and %d bins, want %d", len(gen), len(real), bins)
	}
	var eg, er float64
	for r := (3*size + 7) / 8; r < bins; r++ {
		eg += gen[r]
		er += real[r]
	}
	return Checkerboard{
		Score:       (eg - er) / er,
		PeakHalf:    gen[half] / real[half],
		PeakQuarter: gen[size/4] / real[size/4],
	}, nil
}
