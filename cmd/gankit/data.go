package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gankit/gankit/data"
	"github.com/spf13/cobra"
)

func dataCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Look at datasets",
	}
	var opt data.Options
	inspect := &cobra.Command{
		Use:   "inspect [PATH]",
		Short: "Print a dataset's count, image size, channels, value range and labels",
		Long: `Read a dataset the way gankit train would and describe it. PATH is ` + data.Formats + `;
without PATH, the embedded Fashion-MNIST subset.

For a folder or zip of images it decodes every image once (on all cores) and reports the
formats and original sizes found, how many images have transparency (composited onto
--background), groups of exact duplicates (the same decoded pixels), the images training
would refuse and why (--skip-bad-images leaves them out), and the classes with their counts
(one sub-folder per class, or StyleGAN2-ADA's dataset.json).`,
		Example: `  gankit data inspect /usr/share/datasets/fashion-mnist
  gankit data inspect ~/photos --size 64 --channels 3
  gankit data inspect ~/emoji --size 32 --background black
  gankit data inspect ffhq-64.zip --size 64`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			if path == data.Ring8 || path == data.Grid25 {
				toy, err := data.NewToy(path, 0)
				if err != nil {
					return err
				}
				fmt.Printf("%s: mixture of %d 2-D Gaussians, std %g, sampled on the fly\n", path, len(toy.Modes), toy.Std)
				return nil
			}
			d, err := data.Open(path, opt)
			if err != nil {
				return err
			}
			if f, ok := d.(*data.Folder); ok {
				return describeFolder(f, opt)
			}
			return describe(d)
		},
	}
	fl := inspect.Flags()
	fl.StringVar(&opt.Split, "split", "train", "train or test (IDX and CIFAR-10 folders)")
	fl.IntVar(&opt.Size, "size", 64, "image folders: resize and center-crop to this size")
	fl.IntVar(&opt.Channels, "channels", 3, "image folders: 1 (grayscale) or 3 (RGB)")
	fl.StringVar(&opt.Background, "background", data.DefaultBackground, "image folders: the colour transparency is composited onto: white, black, grey or #rrggbb (data.background)")
	fl.IntVar(&opt.MaxImagePixels, "max-image-pixels", 0, "image folders: the largest width x height decoded; 0 = "+fmt.Sprint(data.DefaultMaxImagePixels)+" (data.max_image_pixels)")
	cmd.AddCommand(inspect)
	return cmd
}

func describe(d data.Dataset) error {
	s := d.Shape()
	x := make([]float32, s.Len())
	lo, hi := float32(1e30), float32(-1e30)
	var sum float64
	labels := map[int]int{}
	for i := range d.Len() {
		if err := d.Read(i, x); err != nil {
			return err
		}
		for _, v := range x {
			lo, hi = min(lo, v), max(hi, v)
			sum += float64(v)
		}
		if l := d.Label(i); l >= 0 {
			labels[l]++
		}
	}
	fmt.Printf("dataset:  %s\n", d.Name())
	fmt.Printf("examples: %d\n", d.Len())
	fmt.Printf("size:     %dx%d\n", s.Size, s.Size)
	fmt.Printf("channels: %d\n", s.Channels)
	fmt.Printf("values:   [%.4g, %.4g] after scaling (pixel/127.5 - 1), mean %.4g\n", lo, hi, sum/float64(d.Len()*s.Len()))
	if len(labels) > 0 {
		fmt.Printf("labels:   %d classes\n", len(labels))
	} else {
		fmt.Printf("labels:   none\n")
	}
	return nil
}

// maxDuplicateGroups is how many groups of duplicates describeFolder lists by name.
const maxDuplicateGroups = 5

// describeFolder prints an image folder's Inspection. Images training would refuse
// are listed, and then an error: the folder does not train as it is (exit status 1,
// as before the report existed).
func describeFolder(f *data.Folder, opt data.Options) error {
	in := f.Inspect()
	s := f.Shape()
	fmt.Printf("dataset:      %s\n", f.Name())
	fmt.Printf("images:       %d\n", in.Images)
	fmt.Printf("output:       %dx%dx%d (shorter side resized to %d, center-cropped)\n", s.Size, s.Size, s.Channels, s.Size)
	fmt.Printf("formats:      %s\n", strings.Join(data.Counted(in.Formats), ", "))
	sizes := data.Counted(in.Sizes)
	if len(sizes) > 10 {
		sizes = append(sizes[:10], fmt.Sprintf("and %d other sizes", len(sizes)-10))
	}
	fmt.Printf("sizes:        %s\n", strings.Join(sizes, ", "))
	fmt.Printf("transparency: %d images have pixels with alpha < 255, composited onto %s (--background, data.background)\n", in.Transparent, opt.Background)
	if len(in.Duplicates) == 0 {
		fmt.Printf("duplicates:   none (no two images decode to the same pixels)\n")
	} else {
		extra := 0
		for _, g := range in.Duplicates {
			extra += len(g) - 1
		}
		fmt.Printf("duplicates:   %d groups of identical images (%d images more than distinct ones):\n", len(in.Duplicates), extra)
		for i, g := range in.Duplicates {
			if i == maxDuplicateGroups {
				fmt.Printf("  ... and %d more\n", len(in.Duplicates)-maxDuplicateGroups)
				break
			}
			names := g
			if len(names) > 4 {
				names = append(slices.Clone(g[:4]), fmt.Sprintf("and %d more", len(g)-4))
			}
			fmt.Printf("  %s\n", strings.Join(names, " = "))
		}
	}
	if len(in.Bad) == 0 {
		fmt.Printf("unusable:     none\n")
	} else {
		fmt.Printf("unusable:     %d %s training would refuse (--skip-bad-images leaves them out):\n%s\n", len(in.Bad), plural(len(in.Bad), "image", "images"), data.ListBad(in.Bad))
	}
	if in.Images > len(in.Bad) {
		fmt.Printf("values:       [%.4g, %.4g] after scaling (pixel/127.5 - 1), mean %.4g\n", in.Min, in.Max, in.Mean)
	}
	if in.ClassCounts == nil {
		fmt.Printf("classes:      none (neither one sub-folder per class nor a dataset.json with labels)\n")
	} else {
		names := f.Classes()
		parts := make([]string, len(names))
		for c, name := range names {
			parts[c] = fmt.Sprintf("%s: %d", name, in.ClassCounts[c])
		}
		fmt.Printf("classes:      %d from %s; %s\n", len(names), f.LabelsFrom(), strings.Join(parts, ", "))
	}
	if len(in.Bad) > 0 {
		return fmt.Errorf("data %s: %d of %d images cannot be used (listed above): gankit train stops on them unless --skip-bad-images (data.skip_bad_images) leaves them out", f.Name(), len(in.Bad), in.Images)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
