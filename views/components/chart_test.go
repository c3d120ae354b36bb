package components

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
)

// svgDoc is what the tests read back from a rendered chart.
type svgDoc struct {
	Title, Desc string
	Rects       []map[string]string // bars and hover targets
	Circles     []map[string]string
	Paths       []map[string]string
	Texts       []string
	TableRows   int
	Attrs       map[string]string // the <svg> element's attributes
}

// renderChart renders c and parses the output as XML: it must be
// well-formed, and every coordinate inside the viewBox.
func renderChart(t *testing.T, c ChartVM) (string, svgDoc) {
	t.Helper()
	var buf bytes.Buffer
	if err := Chart(c).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	doc := svgDoc{Attrs: map[string]string{}}
	dec := xml.NewDecoder(strings.NewReader(html))
	dec.Strict = true
	var stack []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed: %v\n%s", err, html)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attrs := map[string]string{}
			for _, a := range el.Attr {
				attrs[a.Name.Local] = a.Value
			}
			stack = append(stack, el.Name.Local)
			switch el.Name.Local {
			case "svg":
				doc.Attrs = attrs
			case "rect":
				doc.Rects = append(doc.Rects, attrs)
			case "circle":
				doc.Circles = append(doc.Circles, attrs)
			case "path":
				doc.Paths = append(doc.Paths, attrs)
			case "tr":
				if slicesContains(stack, "tbody") {
					doc.TableRows++
				}
			}
			for _, k := range []string{"x", "y", "x1", "x2", "y1", "y2", "cx", "cy"} {
				if v, ok := attrs[k]; ok {
					var f float64
					if _, err := fmt.Sscan(v, &f); err != nil || f < 0 || (strings.HasPrefix(k, "x") || k == "cx") && f > chartW || (strings.HasPrefix(k, "y") || k == "cy") && f > chartH {
						t.Errorf("<%s %s=%q> is outside the %dx%d viewBox", el.Name.Local, k, v, chartW, chartH)
					}
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			text := strings.TrimSpace(string(el))
			switch stack[len(stack)-1] {
			case "title":
				if len(stack) >= 2 && stack[len(stack)-2] == "svg" {
					doc.Title = text
				}
			case "desc":
				doc.Desc = text
			case "text":
				doc.Texts = append(doc.Texts, text)
			}
		}
	}
	return html, doc
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func days(values ...int64) []ChartPoint {
	out := make([]ChartPoint, len(values))
	for i, v := range values {
		d := fmt.Sprintf("2026-11-%02d", i+1)
		out[i] = ChartPoint{Key: d, Label: fmt.Sprintf("%d Nov", i+1), Long: fmt.Sprintf("%d Nov 2026", i+1), Value: v}
	}
	return out
}

func TestChartIsAnAccessibleImageWithATable(t *testing.T) {
	for _, kind := range []string{ChartBar, ChartLine} {
		t.Run(kind, func(t *testing.T) {
			html, doc := renderChart(t, ChartVM{ID: "c", Title: "New users", Noun: "new users", Kind: kind, Points: days(3, 0, 7, 2)})
			if doc.Attrs["role"] != "img" || doc.Attrs["aria-labelledby"] != "c-title" || doc.Attrs["aria-describedby"] != "c-desc" || doc.Attrs["viewBox"] != "0 0 360 180" {
				t.Errorf("svg attributes: %v", doc.Attrs)
			}
			if !strings.Contains(doc.Attrs["class"], "aspect-[2/1]") || !strings.Contains(doc.Attrs["class"], "w-full") {
				t.Errorf("the chart scales to its container with a fixed aspect ratio: %q", doc.Attrs["class"])
			}
			if doc.Title != "New users per day" {
				t.Errorf("title %q", doc.Title)
			}
			want := "4 days from 1 Nov 2026 to 4 Nov 2026: 12 new users in total, 3 a day on average, the most (7) on 3 Nov 2026. Latest day: 2."
			if doc.Desc != want {
				t.Errorf("desc\n got %q\nwant %q", doc.Desc, want)
			}
			if doc.TableRows != 4 || !strings.Contains(html, `<th scope="row"`) || !strings.Contains(html, "<caption") {
				t.Errorf("the numbers are a table with a row per day: %d rows", doc.TableRows)
			}
			if !slicesContains(doc.Texts, "1 Nov") || !slicesContains(doc.Texts, "4 Nov") || !slicesContains(doc.Texts, "8") || !slicesContains(doc.Texts, "0") {
				t.Errorf("axis labels: %v", doc.Texts)
			}
			if kind == ChartBar {
				if len(doc.Rects) != 4 {
					t.Fatalf("a bar per day: %d", len(doc.Rects))
				}
				if doc.Rects[1]["height"] != "0" {
					t.Errorf("a zero day has no bar height: %v", doc.Rects[1])
				}
				if doc.Rects[2]["y"] != num(chartTop+(146.0-146.0*7/8)) {
					t.Errorf("the 7 bar reaches 7/8 of the plot: %v", doc.Rects[2])
				}
			} else {
				if len(doc.Paths) != 2 || len(doc.Circles) != 4 || len(doc.Rects) != 4 {
					t.Errorf("a line, its area, a dot and a hover area per day: %d paths, %d dots, %d rects", len(doc.Paths), len(doc.Circles), len(doc.Rects))
				}
			}
		})
	}
}

func TestChartEmptySeries(t *testing.T) {
	for _, kind := range []string{ChartBar, ChartLine} {
		html, doc := renderChart(t, ChartVM{ID: "e", Title: "Errors", Noun: "errors", Kind: kind})
		if doc.Desc != "No data for this period." || !slicesContains(doc.Texts, "No data") {
			t.Errorf("%s: empty series: %q %v", kind, doc.Desc, doc.Texts)
		}
		if len(doc.Rects)+len(doc.Circles)+len(doc.Paths) != 0 || strings.Contains(html, "<table") {
			t.Errorf("%s: nothing to draw or list", kind)
		}
	}
}

func TestChartOnePoint(t *testing.T) {
	_, bar := renderChart(t, ChartVM{ID: "b", Title: "Updates", Noun: "updates", Kind: ChartBar, Points: days(5)})
	if len(bar.Rects) != 1 || bar.Rects[0]["width"] != "28" || bar.Desc != "On 1 Nov 2026: 5 updates in total." {
		t.Errorf("one bar, not wider than 28: %v %q", bar.Rects, bar.Desc)
	}
	_, line := renderChart(t, ChartVM{ID: "l", Title: "Updates", Noun: "updates", Kind: ChartLine, Points: days(5)})
	if len(line.Circles) != 1 || len(line.Paths) != 1 || line.TableRows != 1 {
		t.Errorf("a single point is a dot (a line of one point has no area): %d dots, %d paths", len(line.Circles), len(line.Paths))
	}
}

func TestChartAllZeros(t *testing.T) {
	_, doc := renderChart(t, ChartVM{ID: "z", Title: "Errors", Noun: "errors", Kind: ChartBar, Points: days(0, 0, 0)})
	if doc.Desc != "3 days from 1 Nov 2026 to 3 Nov 2026: no errors." || !slicesContains(doc.Texts, "No errors in this period") {
		t.Errorf("all zeros: %q %v", doc.Desc, doc.Texts)
	}
	for _, r := range doc.Rects {
		if r["height"] != "0" {
			t.Errorf("a zero bar is flat: %v", r)
		}
	}
	if !slicesContains(doc.Texts, "0") || !slicesContains(doc.Texts, "1") {
		t.Errorf("the axis still reads 0–1: %v", doc.Texts)
	}
}

func TestChartLargeNumbers(t *testing.T) {
	html, doc := renderChart(t, ChartVM{ID: "big", Title: "Updates", Noun: "updates", Kind: ChartLine, Points: days(1_234_567_890, 987_654_321, 5)})
	for _, want := range []string{"0", "500M", "1B", "1.5B"} {
		if !slicesContains(doc.Texts, want) {
			t.Errorf("y axis lacks %q: %v", want, doc.Texts)
		}
	}
	if !strings.Contains(html, "1,234,567,890") || !strings.Contains(doc.Desc, "2,222,222,216 updates in total") {
		t.Errorf("the table and the description give exact numbers: %q", doc.Desc)
	}
}

func TestChartManyDaysKeepsLabelsApart(t *testing.T) {
	values := make([]int64, 90)
	for i := range values {
		values[i] = int64(i % 7)
	}
	points := days(values...)
	for i := range points {
		points[i].Label = fmt.Sprintf("L%02d", i)
	}
	_, doc := renderChart(t, ChartVM{ID: "m", Title: "Active users", Noun: "active users", Kind: ChartLine, Points: points})
	var xLabels []string
	for _, s := range doc.Texts {
		if strings.HasPrefix(s, "L") {
			xLabels = append(xLabels, s)
		}
	}
	if len(xLabels) > xLabelsMax || xLabels[len(xLabels)-1] != "L89" {
		t.Errorf("at most %d x labels, the latest day included: %v", xLabelsMax, xLabels)
	}
	if len(doc.Circles) != 0 || doc.TableRows != 90 {
		t.Errorf("no dots beyond 31 days (the line says it all), but every day in the table: %d dots, %d rows", len(doc.Circles), doc.TableRows)
	}
}

func TestChartEscapes(t *testing.T) {
	html, _ := renderChart(t, ChartVM{ID: "x", Title: `<b>"T"</b>`, Noun: "<i>things</i>", Kind: ChartBar, Points: []ChartPoint{{Key: "k", Label: "<l>", Long: "<long>", Value: 1}}})
	if strings.Contains(html, "<b>") || strings.Contains(html, "<i>") || strings.Contains(html, "<l>") || strings.Contains(html, "<long>") {
		t.Fatal("chart text must be escaped")
	}
}

func TestNiceScaleAndCompact(t *testing.T) {
	for _, tc := range []struct{ peak, top, step int64 }{
		{0, 1, 1}, {1, 1, 1}, {3, 3, 1}, {4, 4, 1}, {7, 8, 2}, {10, 10, 5}, {99, 100, 50}, {101, 150, 50}, {1234567, 1500000, 500000},
	} {
		if top, step := niceScale(tc.peak); top != tc.top || step != tc.step {
			t.Errorf("niceScale(%d) = %d, %d; want %d, %d", tc.peak, top, step, tc.top, tc.step)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1k", 1500: "1.5k", 25_000: "25k", 2_500_000: "2.5M", 3_000_000_000: "3B", -1200: "-1.2k"} {
		if got := Compact(n); got != want {
			t.Errorf("Compact(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestChartXLabelsNeverTouch(t *testing.T) {
	for _, n := range []int{1, 2, 7, 30, 31, 90, 365} {
		points := make([]ChartPoint, n)
		for i := range points {
			points[i] = ChartPoint{Label: fmt.Sprintf("%d Nov", 10+i%20), Long: "x", Value: 1}
		}
		g := ChartVM{Kind: ChartBar, Points: points}.Geometry()
		if len(g.XTicks) == 0 || g.XTicks[len(g.XTicks)-1].Label != points[n-1].Label {
			t.Errorf("%d days: the latest day is labelled: %v", n, g.XTicks)
		}
		prevRight := -1.0
		for _, tick := range g.XTicks {
			var x float64
			fmt.Sscan(tick.X, &x)
			w := float64(len([]rune(tick.Label))) * chartFont * 0.6
			left := map[string]float64{"start": x, "middle": x - w/2, "end": x - w}[tick.Anchor]
			if left < 0 || left+w > chartW || left < prevRight {
				t.Errorf("%d days: label %q at %s (%s) overlaps or leaves the chart", n, tick.Label, tick.X, tick.Anchor)
			}
			prevRight = left + w
		}
	}
}
