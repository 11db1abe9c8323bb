//go:build (amd64 || arm64) && !purego

package vec

// The *Bulk functions run the assembly (vec_amd64.s: AVX2; vec_arm64.s: NEON) over
// the longest prefix that is a multiple of lanes elements and return its length; the
// caller finishes the tail. hasAsm and lanes come from the architecture's file.

func vvBulk(op int, dst, x, y []float32) int {
	m := len(dst) &^ (lanes - 1)
	if !hasAsm || m == 0 {
		return 0
	}
	switch op {
	case opAdd:
		addVV(&dst[0], &x[0], &y[0], m)
	case opSub:
		subVV(&dst[0], &x[0], &y[0], m)
	case opMul:
		mulVV(&dst[0], &x[0], &y[0], m)
	case opDiv:
		divVV(&dst[0], &x[0], &y[0], m)
	default:
		return 0
	}
	return m
}

func vsBulk(op int, dst, x []float32, c float32) int {
	m := len(dst) &^ (lanes - 1)
	if !hasAsm || m == 0 {
		return 0
	}
	switch op {
	case opAdd:
		addVS(&dst[0], &x[0], c, m)
	case opSub:
		subVS(&dst[0], &x[0], c, m)
	case opRSub:
		subSV(&dst[0], &x[0], c, m)
	case opMul:
		mulVS(&dst[0], &x[0], c, m)
	case opDiv:
		divVS(&dst[0], &x[0], c, m)
	case opRDiv:
		divSV(&dst[0], &x[0], c, m)
	default:
		return 0
	}
	return m
}

func sqrtBulk(dst, x []float32) int {
	m := len(dst) &^ (lanes - 1)
	if !hasAsm || m == 0 {
		return 0
	}
	sqrtV(&dst[0], &x[0], m)
	return m
}

func gtBulk(dst, x []float32, c float32) int {
	m := len(dst) &^ (lanes - 1)
	if !hasAsm || m == 0 {
		return 0
	}
	gtVS(&dst[0], &x[0], c, m)
	return m
}

func bytesBulk(dst []float32, x []uint8) int {
	m := len(dst) &^ (lanes - 1)
	if !hasAsm || m == 0 {
		return 0
	}
	bytesV(&dst[0], &x[0], m)
	return m
}

//go:noescape
func addVV(dst, x, y *float32, n int)

//go:noescape
func subVV(dst, x, y *float32, n int)

//go:noescape
func mulVV(dst, x, y *float32, n int)

//go:noescape
func divVV(dst, x, y *float32, n int)

//go:noescape
func addVS(dst, x *float32, c float32, n int)

//go:noescape
func subVS(dst, x *float32, c float32, n int)

//go:noescape
func subSV(dst, x *float32, c float32, n int)

//go:noescape
func mulVS(dst, x *float32, c float32, n int)

//go:noescape
func divVS(dst, x *float32, c float32, n int)

//go:noescape
func divSV(dst, x *float32, c float32, n int)

//go:noescape
func gtVS(dst, x *float32, c float32, n int)

//go:noescape
func sqrtV(dst, x *float32, n int)

//go:noescape
func bytesV(dst *float32, x *uint8, n int)
