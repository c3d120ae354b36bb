// Package database opens Botdeck's database (SQLite or PostgreSQL, chosen by
// the URL) and applies the embedded migrations.
package database

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go, no cgo)
)

// Open connects to the database named by url: "sqlite:PATH" (or
// "sqlite::memory:") or "postgres://…". It verifies the connection.
func Open(ctx context.Context, url string) (*bun.DB, error) {
	var db *bun.DB
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		sqldb, err := sql.Open("sqlite", sqliteDSN(strings.TrimPrefix(url, "sqlite:")))
		if err != nil {
			return nil, err
		}
		// SQLite has a single writer. One connection per core for readers is
		// plenty; writers queue on busy_timeout instead of failing.
		sqldb.SetMaxOpenConns(8)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		db = bun.NewDB(sqldb, sqlitedialect.New())
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		sqldb, err := sql.Open("pgx", url)
		if err != nil {
			return nil, err
		}
		sqldb.SetMaxOpenConns(40)
		sqldb.SetMaxIdleConns(40)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		db = bun.NewDB(sqldb, pgdialect.New())
	default:
		return nil, fmt.Errorf("database url must start with sqlite: or postgres://, got %q", redact(url))
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", redact(url), err)
	}
	return db, nil
}

// sqliteDSN turns a path into a modernc.org/sqlite DSN with the pragmas
// Botdeck relies on: WAL for concurrent readers, a busy timeout so writers
// wait rather than fail, foreign keys, and IMMEDIATE transactions so a
// read-then-write transaction never deadlocks on lock upgrade.
func sqliteDSN(path string) string {
	if path == "" {
		path = "botdeck.db"
	}
	params := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if path != ":memory:" {
		params += "&_pragma=journal_mode(WAL)"
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return "file:" + path + sep + params
}

// redact hides a password in a database URL so it can be logged.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
