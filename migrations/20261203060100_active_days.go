package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

func init() {
	// Unique active users over a period (not a sum of daily actives) need
	// each user's active days: one row per user per UTC day they were seen,
	// written by the update pipeline. History starts now; existing users
	// get the day they were last seen, and stats_tracking records the day
	// tracking began, so a period before it is reported as unknown rather
	// than as an undercount.
	All.MustRegister(
		steps(
			sqlSteps(
				`CREATE TABLE bot_user_days (
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					day TEXT NOT NULL,
					user_id BIGINT NOT NULL,
					PRIMARY KEY (bot_id, day, user_id)
				)`,
				// Retention deletes the oldest days.
				`CREATE INDEX bot_user_days_day_idx ON bot_user_days (day)`,
				`CREATE TABLE stats_tracking (
					name TEXT PRIMARY KEY,
					since_day TEXT NOT NULL
				)`,
			),
			func(ctx context.Context, db *bun.DB) error {
				return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO stats_tracking (name, since_day) VALUES ('active_days', ?)`,
						time.Now().UTC().Format(time.DateOnly)); err != nil {
						return err
					}
					// The day part of last_seen_at: substr works on SQLite's text
					// timestamps, to_char on PostgreSQL's timestamptz (in UTC).
					day := `substr(last_seen_at, 1, 10)`
					if sqldialect.IsPostgres(db) {
						day = `to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
					}
					_, err := tx.ExecContext(ctx, `INSERT INTO bot_user_days (bot_id, day, user_id) SELECT bot_id, `+day+`, user_id FROM bot_users`)
					return err
				})
			},
		),
		sqlSteps(`DROP TABLE stats_tracking`, `DROP TABLE bot_user_days`),
	)
}
