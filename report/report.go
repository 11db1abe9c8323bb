// Package report writes an ablation's results as an HTML page a person would rather
// look at than read: a table of means ± standard errors (best in bold), a table of the
// runs with what the training doctor diagnosed in each, plots of each metric and of
// the training curves, sample grids side by side and, when the upsampling varies, the
// images' power spectra. Plots are PNG files made with
// gonum/plot next to the page; the page needs no network and no script.
package report

import (
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gankit/gankit/ablate"
	"github.com/gankit/gankit/internal/fsutil"
)

// File is the report's name inside the ablation directory.
const File = "report.html"

// filesDir holds the plots, next to the page.
const filesDir = "report_files"

// Extra is what a caller adds to the page beyond the gathered results.
type Extra struct {
	Spectra []Series // radial power spectra per setting (and "real"), when computed
}

// Write renders res into res.Plan.Dir/report.html and its plots.
func Write(res ablate.Results, extra Extra) (string, error) {
	dir := res.Plan.Dir
	if err := os.MkdirAll(filepath.Join(dir, filesDir), 0o755); err != nil {
		return "", err
	}
	page := pageData{
		Title:   "gankit ablation: " + res.Plan.Base.Preset,
		Made:    time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Preset:  res.Plan.Base.Preset,
		Steps:   res.Plan.Base.Train.Steps,
		Seeds:   fmt.Sprint(res.Plan.Seeds),
		Metrics: res.Metrics,
		Rows:    tableRows(res),
	}
	for _, a := range res.Plan.Axes {
		page.Axes = append(page.Axes, a.Key+" ∈ {"+strings.Join(a.Values, ", ")+"}")
	}
	var err error
	if page.Runs, page.Diagnoses, err = doctorRows(res); err != nil {
		return "", err
	}
	if page.Figures, err = metricPlots(dir, res); err != nil {
		return "", err
	}
	if page.Curves, err = curvePlots(dir, res, extra); err != nil {
		return "", err
	}
	if page.Grids, err = sampleGrids(dir, res); err != nil {
		return "", err
	}
	var b strings.Builder
	if err := pageTemplate.Execute(&b, page); err != nil {
		return "", err
	}
	path := filepath.Join(dir, File)
	return path, fsutil.WriteFileAtomic(path, []byte(b.String()))
}

// tableRows is the results table: per setting, the cells done and each metric's
// mean ± standard error, the best of each metric marked when there is a choice.
func tableRows(res ablate.Results) []tableRow {
	var rows []tableRow
	best := bestPerMetric(res)
	for _, g := range res.Groups {
		row := tableRow{Setting: g.Setting.String()}
		done := 0
		for _, c := range g.Cells {
			if c.Done {
				done++
			}
		}
		row.Done = fmt.Sprintf("%d/%d", done, len(g.Cells))
		for _, m := range res.Metrics {
			s, ok := g.Stats[m]
			cell := tableCell{Text: "–"}
			if ok {
				cell.Text = format(s)
				cell.Best = s.Mean == best[m] && len(res.Groups) > 1
			}
			row.Cells = append(row.Cells, cell)
		}
		rows = append(rows, row)
	}
	return rows
}

// metricPlots draws one plot per metric into dir: means with standard-error bars
// across settings.
func metricPlots(dir string, res ablate.Results) ([]figure, error) {
	var figs []figure
	for _, m := range res.Metrics {
		var pts []Point
		for _, g := range res.Groups {
			if s, ok := g.Stats[m]; ok && !math.IsInf(s.Mean, 0) && !math.IsNaN(s.Mean) {
				pts = append(pts, Point{Name: g.Setting.String(), Mean: s.Mean, Err: s.SE})
			}
		}
		if len(pts) == 0 {
			continue
		}
		name := filepath.Join(filesDir, "metric-"+m+".png")
		if err := MeanPlot(filepath.Join(dir, name), m+better(m), m, pts); err != nil {
			return nil, err
		}
		figs = append(figs, figure{Src: name, Caption: fmt.Sprintf("%s per setting, mean ± standard error over seeds", m)})
	}
	return figs, nil
}

// curvePlots draws the training curves into dir, averaged over seeds at each logged
// step, and the power spectra when the caller computed them.
func curvePlots(dir string, res ablate.Results, extra Extra) ([]figure, error) {
	var figs []figure
	for _, curve := range []struct{ key, title string }{{"loss_d", "D loss"}, {"loss_g", "G loss"}, {"grad_norm_d", "D gradient norm"},
		{"ada_p", "ADA's augmentation probability p"}, {"ada_rt", "ADA's overfitting heuristic r_t"}} {
		var series []Series
		for _, g := range res.Groups {
			if s := meanCurve(g, curve.key); len(s.X) > 1 {
				s.Name = g.Setting.String()
				series = append(series, s)
			}
		}
		if len(series) == 0 {
			continue
		}
		name := filepath.Join(filesDir, "curve-"+curve.key+".png")
		if err := LinePlot(filepath.Join(dir, name), curve.title+" during training (mean over seeds)", "step", curve.key, series); err != nil {
			return nil, err
		}
		figs = append(figs, figure{Src: name, Caption: curve.title})
	}
	if len(extra.Spectra) > 0 {
		name := filepath.Join(filesDir, "spectra.png")
		if err := LinePlot(filepath.Join(dir, name), "radial power spectrum (log10), generated vs real", "frequency radius", "log10 power", extra.Spectra); err != nil {
			return nil, err
		}
		figs = append(figs, figure{Src: name, Caption: "Power spectra: a transposed convolution's checkerboard shows as excess power at the highest radii"})
	}
	return figs, nil
}

// sampleGrids lists each setting's sample grids, one per seed that wrote one, as
// paths relative to dir.
func sampleGrids(dir string, res ablate.Results) ([]gridRow, error) {
	var grids []gridRow
	for _, g := range res.Groups {
		gr := gridRow{Setting: g.Setting.String()}
		for _, c := range g.Cells {
			if c.Samples == "" {
				continue
			}
			rel, err := filepath.Rel(dir, c.Samples)
			if err != nil {
				return nil, err
			}
			gr.Images = append(gr.Images, figure{Src: filepath.ToSlash(rel), Caption: fmt.Sprintf("seed %d", c.Seed)})
		}
		grids = append(grids, gr)
	}
	return grids, nil
}

func better(m string) string {
	if ablate.Lower(m) {
		return " (lower is better)"
	}
	return " (higher is better)"
}

func bestPerMetric(res ablate.Results) map[string]float64 {
	best := map[string]float64{}
	for _, m := range res.Metrics {
		b := math.Inf(1)
		if !ablate.Lower(m) {
			b = math.Inf(-1)
		}
		for _, g := range res.Groups {
			if s, ok := g.Stats[m]; ok && (ablate.Lower(m) && s.Mean < b || !ablate.Lower(m) && s.Mean > b) {
				b = s.Mean
			}
		}
		best[m] = b
	}
	return best
}

func format(s ablate.Stat) string {
	f := func(v float64) string {
		switch a := math.Abs(v); {
		case math.IsInf(v, 0):
			return "∞"
		case math.IsNaN(v):
			return "–"
		case a == 0:
			return "0"
		case a >= 100:
			return fmt.Sprintf("%.1f", v)
		case a >= 1:
			return fmt.Sprintf("%.3f", v)
		default:
			return fmt.Sprintf("%.4f", v)
		}
	}
	if s.N < 2 {
		return f(s.Mean)
	}
	return f(s.Mean) + " ± " + f(s.SE)
}

// meanCurve averages a metrics.jsonl column over a group's seeds at the steps all
// share; a setting whose lines lack the column (ada_p without ADA) has no curve.
func meanCurve(g ablate.Group, key string) Series {
	sum, count := map[int]float64{}, map[int]int{}
	for _, c := range g.Cells {
		for _, m := range c.Metrics {
			v, ok := m.Get(key)
			if !ok {
				continue
			}
			sum[m.Step] += v
			count[m.Step]++
		}
	}
	var s Series
	for step := range sum {
		if count[step] == len(g.Cells) {
			s.X = append(s.X, float64(step))
		}
	}
	sort.Float64s(s.X)
	for _, x := range s.X {
		s.Y = append(s.Y, sum[int(x)]/float64(count[int(x)]))
	}
	return s
}

type pageData struct {
	Title, Made, Preset, Seeds string
	Steps                      int
	Axes                       []string
	Metrics                    []string
	Rows                       []tableRow
	Runs                       []runRow
	Diagnoses                  []doctorEntry
	Figures, Curves            []figure
	Grids                      []gridRow
}

type tableRow struct {
	Setting, Done string
	Cells         []tableCell
}

type tableCell struct {
	Text string
	Best bool
}

type figure struct{ Src, Caption string }

type gridRow struct {
	Setting string
	Images  []figure
}

var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.best { font-weight: bold; background: #eef6ee; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #eee; }
.grid figure img { width: 220px; image-rendering: pixelated; }
.muted { color: #777; }
td.doctor { text-align: left; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="muted">Preset {{.Preset}}, {{.Steps}} iterations per run, seeds {{.Seeds}}. Made {{.Made}} by <code>gankit report</code>.</p>
{{if .Axes}}<p>Varied: {{range $i, $a := .Axes}}{{if $i}}; {{end}}<code>{{$a}}</code>{{end}}.</p>{{end}}
<h2>Results</h2>
<table>
<tr><th>setting</th><th>runs done</th>{{range .Metrics}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td><code>{{.Setting}}</code></td><td>{{.Done}}</td>{{range .Cells}}<td{{if .Best}} class="best"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</table>
<p class="muted">Mean ± standard error over seeds; the best setting per column is bold.</p>
<h2>Runs</h2>
<table class="runs">
<tr><th>setting</th><th>seed</th><th>run</th><th>state</th><th>doctor</th></tr>
{{range .Runs}}<tr class="run"><td><code>{{.Setting}}</code></td><td>{{.Seed}}</td><td><code>{{.Dir}}</code></td><td>{{.State}}</td><td class="doctor">{{.Doctor}}</td></tr>
{{end}}</table>
<h2>Doctor</h2>
{{if .Diagnoses}}<p class="muted">What the training doctor diagnosed in each run while it trained (its diagnoses.jsonl), with the first tip; <code>gankit doctor RUN</code> shows every tip.</p>
<ul class="diagnoses">
{{range .Diagnoses}}<li><code>{{.Setting}}</code> seed {{.Seed}}, step {{.Step}}: <strong>{{.Symptom}}</strong> since step {{.Since}}: {{.Seen}}.{{if .HasTip}} Try {{.Tip.Text}}{{if .Tip.Set}} (<code>{{.Tip.Set}}</code>){{end}}{{if .Tip.Evidence}}, measured in {{.Tip.Evidence}}{{end}}.{{end}}{{if .Action}} Training: {{.Action}}.{{end}}</li>
{{end}}</ul>
{{else}}<p class="muted">The training doctor diagnosed nothing in any run (no run recorded a line of diagnoses.jsonl).</p>{{end}}
<h2>Metrics</h2>
{{range .Figures}}<figure><img src="{{.Src}}" alt="{{.Caption}}"><figcaption>{{.Caption}}</figcaption></figure>
{{end}}
{{if .Curves}}<h2>Training</h2>
{{range .Curves}}<figure><img src="{{.Src}}" alt="{{.Caption}}"><figcaption>{{.Caption}}</figcaption></figure>
{{end}}{{end}}
<h2>Samples</h2>
{{range .Grids}}<h3><code>{{.Setting}}</code></h3>
<div class="grid">{{range .Images}}<figure><img src="{{.Src}}" alt="samples, {{.Caption}}"><figcaption>{{.Caption}}</figcaption></figure>{{end}}</div>
{{end}}
</body>
</html>
`))
