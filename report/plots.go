package report

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	"github.com/gankit/gankit/internal/fsutil"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Series is one named line.
type Series struct {
	Name string
	X, Y []float64
}

// LinePlot draws series as lines and writes them to path (.png or .svg).
func LinePlot(path, title, xLabel, yLabel string, series []Series) error {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xLabel, yLabel
	p.Add(plotter.NewGrid())
	for i, s := range series {
		xys := make(plotter.XYs, len(s.X))
		for j := range s.X {
			xys[j].X, xys[j].Y = s.X[j], s.Y[j]
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("plot %s: %w", title, err)
		}
		l.Color = plotutil.Color(i)
		l.Dashes = plotutil.Dashes(i / 7)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	p.Legend.Top = true
	return save(p, 7*vg.Inch, 4*vg.Inch, path)
}

// Point is a category's mean with its error bar.
type Point struct {
	Name      string
	Mean, Err float64
}

// MeanPlot draws each category's mean with ± Err bars and writes it to path.
func MeanPlot(path, title, yLabel string, points []Point) error {
	p := plot.New()
	p.Title.Text, p.Y.Label.Text = title, yLabel
	p.Add(plotter.NewGrid())
	xys := make(plotter.XYs, len(points))
	errs := make(plotter.YErrors, len(points))
	names := make([]string, len(points))
	for i, pt := range points {
		xys[i].X, xys[i].Y = float64(i), pt.Mean
		errs[i].Low, errs[i].High = pt.Err, pt.Err
		names[i] = pt.Name
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return fmt.Errorf("plot %s: %w", title, err)
	}
	sc.Color = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	sc.Radius = vg.Points(3)
	eb, err := plotter.NewYErrorBars(struct {
		plotter.XYer
		plotter.YErrorer
	}{xys, errs})
	if err != nil {
		return fmt.Errorf("plot %s: %w", title, err)
	}
	p.Add(sc, eb)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.5, float64(len(points))-0.5 // room around the first and last points
	p.X.Tick.Label.Rotation = 0.5
	p.X.Tick.Label.XAlign = -1
	width := max(5, 0.9*float64(len(points)))
	return save(p, vg.Length(width)*vg.Inch, 4.5*vg.Inch, path)
}

// save writes the plot to path in the format its extension names (as plot.Save does),
// atomically and never over anything but a regular file.
func save(p *plot.Plot, w, h vg.Length, path string) error {
	wt, err := p.WriterTo(w, h, strings.ToLower(strings.TrimPrefix(filepath.Ext(path), ".")))
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return fsutil.WriteAtomic(path, func(f *os.File) error {
		_, err := wt.WriteTo(f)
		return err
	})
}
