package vec

import "math"

// The operations the assembly implements, as passed to the *Bulk functions.
const (
	opAdd = iota
	opSub
	opMul
	opDiv
	opRSub // c - x
	opRDiv // c / x
)

// Add sets dst[i] = x[i] + y[i].
func Add(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := vvBulk(opAdd, dst, x, y); i < len(dst); i++ {
		dst[i] = x[i] + y[i]
	}
}

// Sub sets dst[i] = x[i] - y[i].
func Sub(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := vvBulk(opSub, dst, x, y); i < len(dst); i++ {
		dst[i] = x[i] - y[i]
	}
}

// Mul sets dst[i] = x[i] * y[i].
func Mul(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := vvBulk(opMul, dst, x, y); i < len(dst); i++ {
		dst[i] = x[i] * y[i]
	}
}

// Div sets dst[i] = x[i] / y[i].
func Div(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := vvBulk(opDiv, dst, x, y); i < len(dst); i++ {
		dst[i] = x[i] / y[i]
	}
}

// AddScalar sets dst[i] = x[i] + c.
func AddScalar(dst, x []float32, c float32) {
	x = x[:len(dst)]
	for i := vsBulk(opAdd, dst, x, c); i < len(dst); i++ {
		dst[i] = x[i] + c
	}
}

// SubScalar sets dst[i] = x[i] - c.
func SubScalar(dst, x []float32, c float32) {
	x = x[:len(dst)]
	for i := vsBulk(opSub, dst, x, c); i < len(dst); i++ {
		dst[i] = x[i] - c
	}
}

// ScalarSub sets dst[i] = c - x[i].
func ScalarSub(dst []float32, c float32, x []float32) {
	x = x[:len(dst)]
	for i := vsBulk(opRSub, dst, x, c); i < len(dst); i++ {
		dst[i] = c - x[i]
	}
}

// MulScalar sets dst[i] = x[i] * c.
func MulScalar(dst, x []float32, c float32) {
	x = x[:len(dst)]
	for i := vsBulk(opMul, dst, x, c); i < len(dst); i++ {
		dst[i] = x[i] * c
	}
}

// DivScalar sets dst[i] = x[i] / c.
func DivScalar(dst, x []float32, c float32) {
	x = x[:len(dst)]
	for i := vsBulk(opDiv, dst, x, c); i < len(dst); i++ {
		dst[i] = x[i] / c
	}
}

// ScalarDiv sets dst[i] = c / x[i].
func ScalarDiv(dst []float32, c float32, x []float32) {
	x = x[:len(dst)]
	for i := vsBulk(opRDiv, dst, x, c); i < len(dst); i++ {
		dst[i] = c / x[i]
	}
}

// Sqrt sets dst[i] = sqrt(x[i]), correctly rounded.
func Sqrt(dst, x []float32) {
	x = x[:len(dst)]
	for i := sqrtBulk(dst, x); i < len(dst); i++ {
		dst[i] = float32(math.Sqrt(float64(x[i])))
	}
}

// GreaterScalar sets dst[i] = 1 where x[i] > c and 0 elsewhere (NaN gives 0).
func GreaterScalar(dst, x []float32, c float32) {
	x = x[:len(dst)]
	for i := gtBulk(dst, x, c); i < len(dst); i++ {
		dst[i] = 0
		if x[i] > c {
			dst[i] = 1
		}
	}
}

// FromBytes sets dst[i] = float32(x[i]): a bool buffer read as its 0/1 bytes.
func FromBytes(dst []float32, x []uint8) {
	x = x[:len(dst)]
	for i := bytesBulk(dst, x); i < len(dst); i++ {
		dst[i] = float32(x[i])
	}
}
