// Package sqldialect is the one place that tells the two SQL dialects
// apart. Botdeck runs on embedded SQLite and on PostgreSQL; where their
// SQL differs (advisory locks, SKIP LOCKED, trigram indexes, planner
// settings, JSON operators, column types in migrations), the code asks
// IsPostgres and nothing else inspects the dialect. It is a leaf package
// so that migrations, the store (models) and internal/database can all
// use it.
package sqldialect

import (
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"
)

// dialected is anything bun can ask for its dialect: a *bun.DB, a bun.Tx,
// a bun.IDB or a query.
type dialected interface{ Dialect() schema.Dialect }

// IsPostgres reports whether db (or a query on it) speaks PostgreSQL; the
// other dialect is SQLite.
func IsPostgres(db dialected) bool { return db.Dialect().Name() == dialect.PG }
