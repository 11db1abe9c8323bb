package train

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
)

// BenchmarkAugmentationCost times one training iteration of the DCGAN at batch 64
// without augmentation, with DiffAugment (color, translation, cutout) and with ADA's
// bgc pipeline at p = 0.5 (every transform drawn and applied; at p = 0 the same
// graph runs, identity tables and all), on 28x28x1 Fashion-MNIST-shaped and 32x32x3
// images, on the cpu backend. It reports the median over 15 iterations after 3
// warm-up ones as ms/iter; docs/results.md ("What augmentation costs") quotes it.
//
//	go test ./train -run '^$' -bench AugmentationCost -benchtime 1x
func BenchmarkAugmentationCost(b *testing.B) {
	for _, shape := range []data.Shape{{Size: 28, Channels: 1}, {Size: 32, Channels: 3}} {
		for _, aug := range []struct{ name, key, value string }{
			{"none", "train.ada", ""},
			{"diffaugment", "train.diffaugment", "color,translation,cutout"},
			{"ada", "train.ada", "bgc"},
		} {
			b.Run(fmt.Sprintf("%dx%dx%d/%s", shape.Size, shape.Size, shape.Channels, aug.name), func(b *testing.B) {
				cfg, err := config.FromPreset("dcgan-fmnist")
				if err != nil {
					b.Fatal(err)
				}
				cfg.Data.Size, cfg.Data.Channels = shape.Size, shape.Channels
				cfg.Train.ADAP, cfg.Train.ADATarget = 0.5, 0
				if err := cfg.Set(aug.key, aug.value); err != nil {
					b.Fatal(err)
				}
				if err := cfg.Validate(shape); err != nil {
					b.Fatal(err)
				}
				be := testutil.Backend(b, "cpu")
				for range b.N {
					times, err := TimeSteps(be, cfg, shape, 3, 15)
					if err != nil {
						b.Fatal(err)
					}
					slices.Sort(times)
					b.ReportMetric(times[len(times)/2]*1000, "ms/iter")
				}
			})
		}
	}
}
