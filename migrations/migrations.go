// Package migrations holds Botdeck's schema history. Each file registers one
// migration; files are applied in name order (a timestamp prefix). The
// package never imports models: history must stay frozen even when the
// models change.
package migrations

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

// All is every migration, in order.
var All = migrate.NewMigrations()

// sqlSteps returns a migration that runs statements in one transaction.
// Statements are written once for both dialects; the few types that differ
// are spelled as placeholders and filled in per dialect by portable().
func sqlSteps(stmts ...string) migrate.MigrationFunc {
	return func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, s := range stmts {
				if _, err := tx.ExecContext(ctx, portable(db, s)); err != nil {
					return fmt.Errorf("%w\nin: %s", err, s)
				}
			}
			return nil
		})
	}
}

// pgOnly returns statements that run only on PostgreSQL (trigram indexes
// and the like); on SQLite it is a no-op.
func pgOnly(stmts ...string) migrate.MigrationFunc {
	inner := sqlSteps(stmts...)
	return func(ctx context.Context, db *bun.DB) error {
		if !sqldialect.IsPostgres(db) {
			return nil
		}
		return inner(ctx, db)
	}
}

// steps chains migration functions.
func steps(fns ...migrate.MigrationFunc) migrate.MigrationFunc {
	return func(ctx context.Context, db *bun.DB) error {
		for _, fn := range fns {
			if err := fn(ctx, db); err != nil {
				return err
			}
		}
		return nil
	}
}

// portable fills the dialect placeholders:
//
//	TIMESTAMP_T  TIMESTAMPTZ on PostgreSQL, TEXT-affinity TIMESTAMP on SQLite
//	JSON_T       JSONB / TEXT
//	BLOB_T       BYTEA / BLOB
//	BIGSERIAL_T  BIGSERIAL PRIMARY KEY / INTEGER PRIMARY KEY AUTOINCREMENT
func portable(db *bun.DB, stmt string) string {
	pg := sqldialect.IsPostgres(db)
	pick := func(p, s string) string {
		if pg {
			return p
		}
		return s
	}
	return strings.NewReplacer(
		"TIMESTAMP_T", pick("TIMESTAMPTZ", "TIMESTAMP"),
		"JSON_T", pick("JSONB", "TEXT"),
		"BLOB_T", pick("BYTEA", "BLOB"),
		"BIGSERIAL_T", pick("BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT"),
	).Replace(stmt)
}
