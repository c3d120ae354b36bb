// Package dbtest gives tests a fresh, migrated database on each dialect:
// SQLite always, PostgreSQL when BOTDECK_TEST_POSTGRES_URL is set. Each call
// gets its own SQLite file or its own PostgreSQL schema, so tests can run in
// parallel without seeing each other's rows.
package dbtest

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/database"
	"github.com/botdeck/botdeck/models"
)

// PostgresEnv names the variable holding the PostgreSQL test database URL.
const PostgresEnv = "BOTDECK_TEST_POSTGRES_URL"

// Dialect is "sqlite" or "postgres".
type Dialect string

// Dialects lists the dialects available to this run.
func Dialects() []Dialect {
	ds := []Dialect{"sqlite"}
	if os.Getenv(PostgresEnv) != "" {
		ds = append(ds, "postgres")
	}
	return ds
}

// EachDB runs fn once per available dialect, each in a subtest named after
// the dialect with a fresh migrated database.
func EachDB(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh migrated database of dialect d, closed and removed
// when the test ends.
func Open(t testing.TB, d Dialect) *bun.DB {
	t.Helper()
	dsn := URL(t, d)
	db, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := database.Migrate(context.Background(), db); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// URL returns a database URL for a fresh, empty database of dialect d (a
// new SQLite file, or a new PostgreSQL schema selected through search_path),
// removed when the test ends. Tests that start a whole botdeck process use it.
func URL(t testing.TB, d Dialect) string {
	t.Helper()
	switch d {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "botdeck.db")
	case "postgres":
		base := os.Getenv(PostgresEnv)
		if base == "" {
			t.Skip(PostgresEnv + " is not set")
		}
		schema := "t_" + models.RandomString(8)
		admin, err := database.Open(context.Background(), base)
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
			admin.Close()
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			defer admin.Close()
			if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				t.Logf("drop schema %s: %v", schema, err)
			}
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("parse %s: %v", PostgresEnv, err)
		}
		q := u.Query()
		// public stays on the path so extensions installed there (pg_trgm)
		// remain visible.
		q.Set("search_path", schema+",public")
		u.RawQuery = q.Encode()
		return u.String()
	}
	t.Fatalf("unknown dialect %q", d)
	return ""
}
