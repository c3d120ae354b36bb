package components

import (
	"math"
	"strconv"
	"strings"
)

// Chart kinds.
const (
	ChartBar  = "bar"
	ChartLine = "line"
)

// ChartPoint is one value of a series: a day, usually.
type ChartPoint struct {
	Key   string // machine-readable (YYYY-MM-DD), for <time datetime>
	Label string // short axis label ("21 Nov")
	Long  string // full label for sentences and the table ("21 Nov 2026"; "… (so far)" when partial)
	Value int64
}

// ChartVM describes one server-rendered SVG chart of one series.
type ChartVM struct {
	ID     string // unique on the page; prefixes the chart's element ids
	Title  string // "New users"
	Noun   string // a unit in sentences: "new users"
	Kind   string // ChartBar or ChartLine
	Tone   string // colour: indigo, emerald, sky, rose
	Points []ChartPoint
	// Unique, when set, is how many different ones the period had, for a
	// measure whose days count the same ones again (active users): shown
	// instead of the sum, which would count a person once per day.
	Unique *int64
}

// The chart is drawn in a fixed coordinate space; CSS scales it to the
// container's width and the aspect-ratio class keeps its height, so
// nothing shifts while the page loads. 360 units is about the width of a
// phone. Text is sized in these units by CSS classes on the <svg> (13 on
// phones, less where the chart is drawn wider) so it reads at 11–14 px on
// every screen; the layout below leaves room for the largest size.
const (
	chartW     = 360
	chartH     = 180
	chartLeft  = 38 // room for y labels
	chartRight = 6
	chartTop   = 10
	chartBot   = 24 // room for x labels
	chartFont  = 13 // the largest text size, for fitting labels
	xLabelsMax = 5
)

// ChartViewBox is the SVG viewBox attribute.
func ChartViewBox() string { return "0 0 " + strconv.Itoa(chartW) + " " + strconv.Itoa(chartH) }

// chartTone holds the literal Tailwind classes of a colour (literal, so
// Tailwind's scanner finds them in this file).
type chartTone struct{ Fill, Stroke, Area string }

var chartTones = map[string]chartTone{
	"indigo":  {"fill-indigo-600", "stroke-indigo-600", "fill-indigo-600/10"},
	"emerald": {"fill-emerald-600", "stroke-emerald-600", "fill-emerald-600/10"},
	"sky":     {"fill-sky-600", "stroke-sky-600", "fill-sky-600/10"},
	"rose":    {"fill-rose-600", "stroke-rose-600", "fill-rose-600/10"},
}

func (c ChartVM) tone() chartTone {
	if t, ok := chartTones[c.Tone]; ok {
		return t
	}
	return chartTones["indigo"]
}

// ChartTick is an axis label at a position.
type ChartTick struct {
	X, Y   string
	Label  string
	Anchor string // text-anchor
}

// ChartMark is a bar, a dot, or a hover target with its tooltip.
type ChartMark struct {
	X, Y, W, H string
	Title      string
}

// ChartGeometry is everything the template draws, computed in Go so the
// template only places elements.
type ChartGeometry struct {
	Empty      bool   // no points at all
	AllZero    bool   // points, every one zero
	Baseline   string // y of the zero line
	PlotLeft   string
	PlotRight  string
	PlotMiddle string // x and y of the centre, for a "no data" note
	PlotCentre string
	Grid       []ChartTick // y ticks: Y is the grid line, Label its value
	XTicks     []ChartTick
	Bars       []ChartMark
	Dots       []ChartMark
	Targets    []ChartMark // invisible full-height hover areas (line charts)
	Line, Area string      // path data (line charts)
}

// Geometry lays the chart out.
func (c ChartVM) Geometry() ChartGeometry {
	plotW := float64(chartW - chartLeft - chartRight)
	plotH := float64(chartH - chartTop - chartBot)
	base := float64(chartH - chartBot)
	g := ChartGeometry{
		Baseline: num(base), PlotLeft: num(chartLeft), PlotRight: num(chartW - chartRight),
		PlotMiddle: num(chartLeft + plotW/2), PlotCentre: num(chartTop + plotH/2),
	}
	var peak int64
	for _, p := range c.Points {
		peak = max(peak, p.Value)
	}
	top, step := niceScale(peak)
	for v := int64(0); v <= top; v += step {
		y := base - float64(v)/float64(top)*plotH
		g.Grid = append(g.Grid, ChartTick{X: num(chartLeft - 5), Y: num(y), Label: Compact(v), Anchor: "end"})
	}
	n := len(c.Points)
	if n == 0 {
		g.Empty = true
		return g
	}
	g.AllZero = peak == 0
	slot := plotW / float64(n)
	centre := func(i int) float64 { return chartLeft + (float64(i)+0.5)*slot }
	yOf := func(v int64) float64 { return base - float64(v)/float64(top)*plotH }

	g.XTicks = xTicks(c.Points, centre)

	switch c.Kind {
	case ChartLine:
		var line strings.Builder
		for i, p := range c.Points {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			line.WriteString(cmd + num(centre(i)) + " " + num(yOf(p.Value)) + " ")
			g.Targets = append(g.Targets, ChartMark{X: num(chartLeft + float64(i)*slot), Y: num(chartTop), W: num(slot), H: num(plotH), Title: c.tooltip(p)})
			if n <= 31 {
				g.Dots = append(g.Dots, ChartMark{X: num(centre(i)), Y: num(yOf(p.Value)), Title: c.tooltip(p)})
			}
		}
		g.Line = strings.TrimSpace(line.String())
		if n > 1 {
			g.Area = g.Line + " L" + num(centre(n-1)) + " " + num(base) + " L" + num(centre(0)) + " " + num(base) + " Z"
		}
	default:
		w := math.Max(1, math.Min(slot*0.7, 28))
		for i, p := range c.Points {
			y := yOf(p.Value)
			h := base - y
			if p.Value > 0 && h < 1 {
				y, h = base-1, 1 // a non-zero day is always visible
			}
			g.Bars = append(g.Bars, ChartMark{X: num(centre(i) - w/2), Y: num(y), W: num(w), H: num(h), Title: c.tooltip(p)})
		}
	}
	return g
}

func (c ChartVM) tooltip(p ChartPoint) string {
	return p.Long + ": " + FormatInt(p.Value) + " " + c.Noun
}

// Total is the sum of the series.
func (c ChartVM) Total() int64 {
	var t int64
	for _, p := range c.Points {
		t += p.Value
	}
	return t
}

// Headline is the number shown over the chart: the period's different
// ones (Unique), else the sum of its days.
func (c ChartVM) Headline() string {
	days := FormatInt(int64(len(c.Points))) + " " + dayWord(len(c.Points))
	if c.Unique != nil {
		return FormatInt(*c.Unique) + " different in " + days
	}
	return FormatInt(c.Total()) + " in " + days
}

func dayWord(n int) string {
	if n == 1 {
		return "day"
	}
	return "days"
}

// SVGTitle is the chart's accessible name.
func (c ChartVM) SVGTitle() string {
	return c.Title + " per day"
}

// Summary describes the series in words: the chart's accessible
// description, so a screen reader hears what a sighted user sees.
func (c ChartVM) Summary() string {
	n := len(c.Points)
	if n == 0 {
		return "No data for this period."
	}
	first, last := c.Points[0], c.Points[n-1]
	period := "On " + last.Long
	if n > 1 {
		period = strconv.Itoa(n) + " days from " + first.Long + " to " + last.Long
	}
	total := c.Total()
	if total == 0 {
		return period + ": no " + c.Noun + "."
	}
	if c.Unique != nil {
		s := period + ": " + FormatInt(*c.Unique) + " different " + c.Noun
		if n > 1 {
			avg := float64(total) / float64(n)
			s += ", " + strconv.FormatFloat(math.Round(avg*10)/10, 'f', -1, 64) + " a day on average. Latest day: " + FormatInt(last.Value)
		}
		return s + "."
	}
	peak := first
	for _, p := range c.Points {
		if p.Value > peak.Value {
			peak = p
		}
	}
	s := period + ": " + FormatInt(total) + " " + c.Noun + " in total"
	if n > 1 {
		avg := float64(total) / float64(n)
		s += ", " + strconv.FormatFloat(math.Round(avg*10)/10, 'f', -1, 64) + " a day on average, the most (" +
			FormatInt(peak.Value) + ") on " + peak.Long + ". Latest day: " + FormatInt(last.Value)
	}
	return s + "."
}

// ValueText formats a value for the table.
func (p ChartPoint) ValueText() string { return FormatInt(p.Value) }

// niceScale picks the top of the y axis and the tick step: at most four
// intervals of 1, 2 or 5 × 10^k, whole numbers only. An all-zero series
// gets the axis 0–1.
func niceScale(peak int64) (top, step int64) {
	if peak <= 0 {
		return 1, 1
	}
	raw := float64(peak) / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	s := 10 * mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			s = m * mag
			break
		}
	}
	step = max(1, int64(math.Ceil(s)))
	top = (peak + step - 1) / step * step
	return top, step
}

// xTicks places the x labels: candidates from xLabelIndexes, kept at the
// chart's edges (anchored start or end there), and dropped when they would
// touch the next label to the right, so the latest day always keeps its
// label.
func xTicks(points []ChartPoint, centre func(int) float64) []ChartTick {
	idx := xLabelIndexes(len(points))
	var out []ChartTick
	nextLeft := math.Inf(1)
	for k := len(idx) - 1; k >= 0; k-- {
		p := points[idx[k]]
		width := float64(len([]rune(p.Label))) * chartFont * 0.6
		x, anchor := centre(idx[k]), "middle"
		left, right := x-width/2, x+width/2
		switch {
		case left < 1:
			x, anchor, left, right = 1, "start", 1, 1+width
		case right > chartW-1:
			x, anchor, left, right = chartW-1, "end", chartW-1-width, chartW-1
		}
		if right+chartFont*0.6 > nextLeft {
			continue
		}
		nextLeft = left
		out = append([]ChartTick{{X: num(x), Y: num(chartH - 7), Label: p.Label, Anchor: anchor}}, out...)
	}
	return out
}

// xLabelIndexes picks which points get an x label: at most xLabelsMax,
// evenly spaced, always including the latest.
func xLabelIndexes(n int) []int {
	if n <= 0 {
		return nil
	}
	every := max(1, int(math.Ceil(float64(n)/xLabelsMax)))
	var idx []int
	for i := n - 1; i >= 0; i -= every {
		idx = append([]int{i}, idx...)
	}
	return idx
}

// Compact writes large numbers short for axis labels: 950, 1.2k, 15k, 2.5M, 3B.
func Compact(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	var s string
	switch {
	case n >= 1_000_000_000:
		s = short(float64(n)/1e9) + "B"
	case n >= 1_000_000:
		s = short(float64(n)/1e6) + "M"
	case n >= 1_000:
		s = short(float64(n)/1e3) + "k"
	default:
		s = strconv.FormatInt(n, 10)
	}
	if neg {
		return "-" + s
	}
	return s
}

func short(f float64) string {
	if f >= 100 {
		return strconv.FormatFloat(math.Round(f), 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

// FormatInt writes n with thousands separators: 12345 → "12,345".
func FormatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// num writes a coordinate with at most one decimal.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}
