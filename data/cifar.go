package data

import (
	"fmt"

	"github.com/gankit/gankit/internal/sysmem"
)

// CIFAR-10 binary record: one label byte, then 32x32 red, green and blue planes.
const (
	cifarSide   = 32
	cifarRecord = 1 + 3*cifarSide*cifarSide
)

// CIFAR is CIFAR-10 in its binary format (data_batch_N.bin / test_batch.bin), in memory.
type CIFAR struct {
	name    string
	records []byte
}

// ReadCIFAR reads and concatenates CIFAR-10 binary batch files.
func ReadCIFAR(paths ...string) (*CIFAR, error) {
	c := &CIFAR{}
	mem := sysmem.Available()
	for _, p := range paths {
		raw, err := readInput(p, mem)
		if err != nil {
			return nil, err
		}
		if err := checkCIFAR(p, raw); err != nil {
			return nil, err
		}
		c.records = append(c.records, raw...)
		if c.name == "" {
			c.name = p
		} else {
			c.name += "+" + p
		}
	}
	return c, nil
}

// checkCIFAR checks that raw is whole CIFAR-10 records with labels 0-9.
func checkCIFAR(path string, raw []byte) error {
	if len(raw) == 0 || len(raw)%cifarRecord != 0 {
		return fmt.Errorf("reading %s: %d bytes is not a whole number of CIFAR-10 records (%d bytes each: label + 32x32x3)", path, len(raw), cifarRecord)
	}
	for i := 0; i < len(raw); i += cifarRecord {
		if raw[i] > 9 {
			return fmt.Errorf("reading %s: record %d has label %d, CIFAR-10 labels are 0-9", path, i/cifarRecord, raw[i])
		}
	}
	return nil
}

func (c *CIFAR) Name() string { return c.name }

func (c *CIFAR) Len() int { return len(c.records) / cifarRecord }

func (c *CIFAR) Shape() Shape { return Shape{Size: cifarSide, Channels: 3} }

// Read converts the planar record to channels-last.
func (c *CIFAR) Read(i int, dst []float32) error {
	rec := c.records[i*cifarRecord+1 : (i+1)*cifarRecord]
	const plane = cifarSide * cifarSide
	for p := range plane {
		for ch := range 3 {
			dst[p*3+ch] = scaleByte(rec[ch*plane+p])
		}
	}
	return nil
}

func (c *CIFAR) Label(i int) int { return int(c.records[i*cifarRecord]) }
