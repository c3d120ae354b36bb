package handlers_test

import (
	"context"
	"strings"
	"sync"

	"github.com/uptrace/bun"
)

// queryLog is a bun query hook that records the SQL a Botdeck runs while
// it is on, so a test or benchmark can say what a request costs the
// database (how many statements, and which).
type queryLog struct {
	mu      sync.Mutex
	on      bool
	queries []string
}

// watchQueries hooks a queryLog into db (it starts off).
func watchQueries(db *bun.DB) *queryLog {
	l := &queryLog{}
	db.AddQueryHook(l)
	return l
}

func (l *queryLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (l *queryLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// The live events log is written and read by background goroutines
	// (broadcast progress, the bus's reader), not by the request measured.
	if l.on && !strings.Contains(e.Query, "events") {
		l.queries = append(l.queries, e.Query)
	}
}

// during records the queries fn runs.
func (l *queryLog) during(fn func()) []string {
	l.mu.Lock()
	l.on, l.queries = true, nil
	l.mu.Unlock()
	fn()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.queries
}

// countMatching counts the queries containing s.
func countMatching(queries []string, s string) int {
	n := 0
	for _, q := range queries {
		if strings.Contains(q, s) {
			n++
		}
	}
	return n
}
