//go:build !(amd64 || arm64) || purego

package vec

// Without the assembly the Go loops do all the work: every prefix is empty.

func vvBulk(int, []float32, []float32, []float32) int { return 0 }
func vsBulk(int, []float32, []float32, float32) int   { return 0 }
func sqrtBulk([]float32, []float32) int               { return 0 }
func gtBulk([]float32, []float32, float32) int        { return 0 }
func bytesBulk([]float32, []uint8) int                { return 0 }
