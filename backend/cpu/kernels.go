package cpu

import "fmt"

// kernelFor returns this package's kernel for n, or nil to delegate it.
func (b *Backend) kernelFor(n *node) kernel {
	return nil
}

func copyFlat(dst, src any) error {
	switch d := dst.(type) {
	case []float32:
		copy(d, src.([]float32))
	case []float64:
		copy(d, src.([]float64))
	case []int32:
		copy(d, src.([]int32))
	case []int64:
		copy(d, src.([]int64))
	case []bool:
		copy(d, src.([]bool))
	case []uint8:
		copy(d, src.([]uint8))
	case []uint32:
		copy(d, src.([]uint32))
	case []uint64:
		copy(d, src.([]uint64))
	default:
		return fmt.Errorf("cpu backend: copying %T buffers is not supported", dst)
	}
	return nil
}
