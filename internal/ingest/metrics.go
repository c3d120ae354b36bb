package ingest

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	received     *prometheus.CounterVec
	processed    prometheus.Counter
	poisoned     prometheus.Counter
	overflow     prometheus.Counter
	queue        prometheus.Gauge
	batchSeconds prometheus.Histogram
	storeSeconds prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "botdeck_updates_received_total",
			Help: "Telegram updates received, by result: stored, duplicate, rejected, error."}, []string{"result"}),
		processed: prometheus.NewCounter(prometheus.CounterOpts{Name: "botdeck_updates_processed_total",
			Help: "Updates processed (users, counters, hooks)."}),
		poisoned: prometheus.NewCounter(prometheus.CounterOpts{Name: "botdeck_updates_poisoned_total",
			Help: "Updates skipped after repeated processing failures."}),
		overflow: prometheus.NewCounter(prometheus.CounterOpts{Name: "botdeck_ingest_queue_overflow_total",
			Help: "Updates left for the sweeper because the processing queue was full."}),
		queue: prometheus.NewGauge(prometheus.GaugeOpts{Name: "botdeck_ingest_queue_length",
			Help: "Updates waiting in the in-memory processing queue."}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "botdeck_ingest_batch_seconds",
			Help: "Time to process one batch of one bot.", Buckets: prometheus.DefBuckets}),
		storeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "botdeck_ingest_store_seconds",
			Help: "Time to store one group of received updates (one commit).", Buckets: prometheus.DefBuckets}),
	}
	if reg != nil {
		reg.MustRegister(m.received, m.processed, m.poisoned, m.overflow, m.queue, m.batchSeconds, m.storeSeconds)
	}
	return m
}
