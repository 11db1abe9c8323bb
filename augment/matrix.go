package augment

import "math"

// Mat3 is a homogeneous 2-D transform acting on column vectors [x y 1].
type Mat3 [3][3]float64

// Mat4 is a homogeneous colour transform acting on column vectors [r g b 1].
type Mat4 [4][4]float64

func eye3() Mat3 { return Mat3{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}} }

func eye4() Mat4 { return Mat4{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}} }

// Mul is the product a·b.
func (a Mat3) Mul(b Mat3) Mat3 {
	var c Mat3
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				c[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return c
}

// Mul is the product a·b.
func (a Mat4) Mul(b Mat4) Mat4 {
	var c Mat4
	for i := range 4 {
		for j := range 4 {
			for k := range 4 {
				c[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return c
}

func translate2d(tx, ty float64) Mat3 { return Mat3{{1, 0, tx}, {0, 1, ty}, {0, 0, 1}} }

func scale2d(sx, sy float64) Mat3 { return Mat3{{sx, 0, 0}, {0, sy, 0}, {0, 0, 1}} }

// rotate2d turns by theta (radians) from the x axis towards the y axis.
func rotate2d(theta float64) Mat3 {
	s, c := math.Sincos(theta)
	return rotateSC(s, c)
}

func rotateSC(s, c float64) Mat3 { return Mat3{{c, -s, 0}, {s, c, 0}, {0, 0, 1}} }

// quarterTurns is rotate2d(k·pi/2) with exact entries: blitted rotations move pixels
// onto pixels, with no rounding error in the sampling positions.
func quarterTurns(k int) Mat3 {
	s := [4]float64{0, 1, 0, -1}
	c := [4]float64{1, 0, -1, 0}
	k = ((k % 4) + 4) % 4
	return rotateSC(s[k], c[k])
}

func translate3d(t float64) Mat4 {
	m := eye4()
	m[0][3], m[1][3], m[2][3] = t, t, t
	return m
}

func scale3d(s float64) Mat4 {
	m := eye4()
	m[0][0], m[1][1], m[2][2] = s, s, s
	return m
}

// lumaAxis is the unit grey axis [1 1 1 0]/sqrt(3) that luma flip, hue and saturation
// act around.
func lumaAxis() [4]float64 {
	u := 1 / math.Sqrt(3)
	return [4]float64{u, u, u, 0}
}

// outer is v·vᵀ.
func outer(v [4]float64) Mat4 {
	var m Mat4
	for i := range 4 {
		for j := range 4 {
			m[i][j] = v[i] * v[j]
		}
	}
	return m
}

// rotate3d turns by theta around the unit axis v (Rodrigues' formula).
func rotate3d(v [4]float64, theta float64) Mat4 {
	s, c := math.Sincos(theta)
	cc := 1 - c
	x, y, z := v[0], v[1], v[2]
	return Mat4{
		{x*x*cc + c, x*y*cc - z*s, x*z*cc + y*s, 0},
		{y*x*cc + z*s, y*y*cc + c, y*z*cc - x*s, 0},
		{z*x*cc - y*s, z*y*cc + x*s, z*z*cc + c, 0},
		{0, 0, 0, 1},
	}
}
