package migrations

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/sqldialect"
)

func init() {
	// Searches compare a folded search_key kept by Botdeck (models/search.go)
	// instead of lower(col), which folds ASCII only on SQLite. The key is
	// computed in Go, so this migration fills it for existing rows; a later
	// change to the folding would ship its own backfill.
	All.MustRegister(
		steps(
			sqlSteps(
				`ALTER TABLE bot_users ADD COLUMN search_key TEXT NOT NULL DEFAULT ''`,
				`ALTER TABLE bots ADD COLUMN search_key TEXT NOT NULL DEFAULT ''`,
				`ALTER TABLE campaigns ADD COLUMN search_key TEXT NOT NULL DEFAULT ''`,
			),
			backfillSearchKeys,
			pgOnly(
				`CREATE INDEX bot_users_search_trgm_idx ON bot_users USING gin (search_key gin_trgm_ops)`,
				`CREATE INDEX bots_search_trgm_idx ON bots USING gin (search_key gin_trgm_ops)`,
				`DROP INDEX bot_users_name_trgm_idx`,
				`DROP INDEX bot_users_username_trgm_idx`,
				`DROP INDEX bot_users_first_name_prefix_idx`,
				`DROP INDEX bot_users_last_name_prefix_idx`,
				`DROP INDEX bot_users_username_prefix_idx`,
				`DROP INDEX bots_name_trgm_idx`,
				`DROP INDEX bots_username_trgm_idx`,
			),
		),
		steps(
			pgOnly(
				`CREATE INDEX bots_username_trgm_idx ON bots USING gin (lower(username) gin_trgm_ops)`,
				`CREATE INDEX bots_name_trgm_idx ON bots USING gin (lower(name) gin_trgm_ops)`,
				`CREATE INDEX bot_users_username_prefix_idx ON bot_users (bot_id, lower(username) text_pattern_ops)`,
				`CREATE INDEX bot_users_last_name_prefix_idx ON bot_users (bot_id, lower(last_name) text_pattern_ops)`,
				`CREATE INDEX bot_users_first_name_prefix_idx ON bot_users (bot_id, lower(first_name) text_pattern_ops)`,
				`CREATE INDEX bot_users_username_trgm_idx ON bot_users USING gin (lower(username) gin_trgm_ops)`,
				`CREATE INDEX bot_users_name_trgm_idx ON bot_users USING gin (lower(name) gin_trgm_ops)`,
				`DROP INDEX bots_search_trgm_idx`,
				`DROP INDEX bot_users_search_trgm_idx`,
			),
			sqlSteps(
				`ALTER TABLE campaigns DROP COLUMN search_key`,
				`ALTER TABLE bots DROP COLUMN search_key`,
				`ALTER TABLE bot_users DROP COLUMN search_key`,
			),
		),
	)
}

// searchKey20261203 is models.SearchKey as of this migration.
func searchKey20261203(texts ...string) string {
	var b strings.Builder
	for _, t := range texts {
		if t = strings.TrimSpace(t); t != "" {
			b.WriteByte(' ')
			b.WriteString(replies.Fold(t))
		}
	}
	return b.String()
}

// backfillSearchKeys fills search_key for existing rows, in batches by
// primary key, each batch in its own transaction.
func backfillSearchKeys(ctx context.Context, db *bun.DB) error {
	for _, t := range []struct{ table, cols string }{
		{"bots", "name, username"},
		{"campaigns", "name, chat_title"},
	} {
		if err := backfillByID(ctx, db, t.table, t.cols); err != nil {
			return err
		}
	}
	return backfillBotUsers(ctx, db)
}

func backfillByID(ctx context.Context, db *bun.DB, table, cols string) error {
	after := ""
	for {
		rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT id, %s FROM %s WHERE id > ? ORDER BY id LIMIT 1000`, cols, table), after)
		if err != nil {
			return fmt.Errorf("backfill %s: %w", table, err)
		}
		type item struct{ id, key string }
		var batch []item
		for rows.Next() {
			var id, a, b string
			if err := rows.Scan(&id, &a, &b); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, item{id, searchKey20261203(a, b)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, it := range batch {
				if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET search_key = ? WHERE id = ?`, table), it.key, it.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("backfill %s: %w", table, err)
		}
		after = batch[len(batch)-1].id
	}
}

// backfillBotUsers fills bot_users in batches of 5,000; on PostgreSQL each
// batch is one UPDATE … FROM (VALUES …).
func backfillBotUsers(ctx context.Context, db *bun.DB) error {
	pg := sqldialect.IsPostgres(db)
	afterBot, afterUser := "", int64(0)
	for {
		rows, err := db.QueryContext(ctx, `SELECT bot_id, user_id, first_name, last_name, username FROM bot_users
			WHERE bot_id > ? OR (bot_id = ? AND user_id > ?) ORDER BY bot_id, user_id LIMIT 5000`, afterBot, afterBot, afterUser)
		if err != nil {
			return fmt.Errorf("backfill bot_users: %w", err)
		}
		type item struct {
			bot  string
			user int64
			key  string
		}
		var batch []item
		for rows.Next() {
			var it item
			var first, last, username string
			if err := rows.Scan(&it.bot, &it.user, &first, &last, &username); err != nil {
				rows.Close()
				return err
			}
			it.key = searchKey20261203(first, last, username)
			batch = append(batch, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if pg {
				values := make([]string, len(batch))
				args := make([]any, 0, 3*len(batch))
				for i, it := range batch {
					values[i] = "(?::text, ?::bigint, ?::text)"
					args = append(args, it.bot, it.user, it.key)
				}
				_, err := tx.ExecContext(ctx, `UPDATE bot_users SET search_key = v.k FROM (VALUES `+strings.Join(values, ",")+
					`) AS v(b, u, k) WHERE bot_users.bot_id = v.b AND bot_users.user_id = v.u`, args...)
				return err
			}
			for _, it := range batch {
				if _, err := tx.ExecContext(ctx, `UPDATE bot_users SET search_key = ? WHERE bot_id = ? AND user_id = ?`, it.key, it.bot, it.user); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("backfill bot_users: %w", err)
		}
		afterBot, afterUser = batch[len(batch)-1].bot, batch[len(batch)-1].user
	}
}
