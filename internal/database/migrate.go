package database

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/botdeck/botdeck/internal/sqldialect"
	"github.com/botdeck/botdeck/migrations"
)

// newMigrator returns bun's migrator over the embedded migrations. A
// migration is marked applied only after it succeeded, so a failed one is
// retried on the next start instead of being silently skipped.
func newMigrator(db *bun.DB) *migrate.Migrator {
	return migrate.NewMigrator(db, migrations.All, migrate.WithMarkAppliedOnSuccess(true))
}

// Migrate applies every pending migration under a lock, so several
// instances starting together on one PostgreSQL apply each migration once.
// It returns the names applied.
func Migrate(ctx context.Context, db *bun.DB) ([]string, error) {
	var applied []string
	err := withMigrationLock(ctx, db, func() error {
		m := newMigrator(db)
		if err := m.Init(ctx); err != nil {
			return err
		}
		group, err := m.Migrate(ctx)
		if err != nil {
			return err
		}
		for _, mg := range group.Migrations {
			applied = append(applied, mg.Name)
		}
		return nil
	})
	return applied, err
}

// Rollback undoes the last group of migrations.
func Rollback(ctx context.Context, db *bun.DB) ([]string, error) {
	var undone []string
	err := withMigrationLock(ctx, db, func() error {
		m := newMigrator(db)
		if err := m.Init(ctx); err != nil {
			return err
		}
		group, err := m.Rollback(ctx)
		if err != nil {
			return err
		}
		for _, mg := range group.Migrations {
			undone = append(undone, mg.Name)
		}
		return nil
	})
	return undone, err
}

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Name    string
	Applied bool
}

// Status lists every known migration with its state.
func Status(ctx context.Context, db *bun.DB) ([]MigrationStatus, error) {
	m := newMigrator(db)
	if err := m.Init(ctx); err != nil {
		return nil, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, 0, len(ms))
	for _, mg := range ms {
		out = append(out, MigrationStatus{Name: mg.Name, Applied: mg.IsApplied()})
	}
	return out, nil
}

// Pending reports how many migrations are not applied yet; readiness
// checks use it.
func Pending(ctx context.Context, db *bun.DB) (int, error) {
	st, err := Status(ctx, db)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range st {
		if !s.Applied {
			n++
		}
	}
	return n, nil
}

// withMigrationLock serialises migrations across processes. PostgreSQL uses
// a session-level advisory lock held on one dedicated connection; it is
// released automatically if the process dies, unlike a lock row. SQLite is
// single-instance by design, and its IMMEDIATE transactions already
// serialise writers, so no extra lock is taken there.
func withMigrationLock(ctx context.Context, db *bun.DB, fn func() error) error {
	if !sqldialect.IsPostgres(db) {
		return fn()
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	key := migrationLockKey()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", key); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", key) //nolint:errcheck // released with the connection anyway
	return fn()
}

func migrationLockKey() int64 {
	h := fnv.New64a()
	h.Write([]byte("botdeck migrations"))
	return int64(h.Sum64() >> 1)
}
