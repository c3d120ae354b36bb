package web

import (
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// Each (route, method, status) is one series, counted however often it is
// resolved, and a made-up method does not make a series of its own: a
// client inventing one per request would otherwise grow /metrics (and the
// process's memory) without bound.
func TestMetricsCountRequestsWithBoundedLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt := NewRouter(nil, nil)
	rt.Public("/things/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "gone" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	h := Chain(rt, RequestInfo(Proxies{}), AccessLog(log, m))
	for _, c := range []struct{ method, path string }{
		{"GET", "/things/1"}, {"GET", "/things/2"}, {"GET", "/things/gone"},
		{"FOO1", "/things/1"}, {"FOO2", "/things/1"}, {"FOO3", "/things/1"}, {"POST", "/things/1"},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(c.method, c.path, nil))
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	requests, durations := map[string]float64{}, map[string]uint64{}
	for _, f := range families {
		for _, s := range f.GetMetric() {
			labels := ""
			for _, l := range s.GetLabel() {
				labels += l.GetName() + "=" + l.GetValue() + " "
			}
			switch f.GetName() {
			case "botdeck_http_requests_total":
				requests[labels] = s.GetCounter().GetValue()
			case "botdeck_http_request_duration_seconds":
				durations[labels] = s.GetHistogram().GetSampleCount()
			}
		}
	}
	want := map[string]float64{
		"method=GET route=/things/{id} status=200 ": 2, "method=GET route=/things/{id} status=404 ": 1,
		"method=OTHER route=/things/{id} status=200 ": 3, "method=POST route=/things/{id} status=200 ": 1,
	}
	if !maps.Equal(requests, want) {
		t.Errorf("requests: %v, want %v", requests, want)
	}
	if !maps.Equal(durations, map[string]uint64{"route=/things/{id} ": 7}) {
		t.Errorf("durations: %v", durations)
	}
}
