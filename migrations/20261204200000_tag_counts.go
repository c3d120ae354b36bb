package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

func init() {
	// How many users carry each tag of a bot (bot_tag_counts), so that a
	// segment of a tag is counted in O(1) instead of walking a third of a
	// million index entries (models.CountMatching, models.BotTags).
	//
	// The counter is kept by triggers on bot_user_tags rather than by each
	// writer: tags are added and removed by bulk edits, the user page,
	// replies, code, CSV import and a bot's import, and removed by the
	// cascades of user erasure and bot deletion, and a trigger sees every
	// one of them, in the same transaction, counting only the rows a
	// statement actually inserted or deleted (ON CONFLICT DO NOTHING skips
	// do not fire it), so two instances tagging the same users at once
	// never count a tag twice.
	//
	// PostgreSQL: statement-level triggers with transition tables, one
	// counter UPDATE per (bot, tag) per statement, whatever the number of
	// rows. Counter rows are locked in (bot_id, tag) order so that two
	// statements touching several tags cannot deadlock. SQLite has only row
	// triggers; writes there are serialised anyway.
	//
	// Rows at zero are kept (readers filter users > 0): deleting them would
	// race with a concurrent insert of the same tag. The triggers are
	// created before the backfill, in the same transaction: the trigger's
	// lock waits for writers in flight, and the backfill then reads every
	// committed tag.
	All.MustRegister(
		perDialect(
			[]string{
				`CREATE TABLE bot_tag_counts (
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					tag TEXT NOT NULL,
					users BIGINT NOT NULL,
					PRIMARY KEY (bot_id, tag)
				)`,
				`CREATE FUNCTION bot_tag_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					INSERT INTO bot_tag_counts (bot_id, tag, users)
					SELECT bot_id, tag, count(*) FROM added_tags GROUP BY bot_id, tag ORDER BY bot_id, tag
					ON CONFLICT (bot_id, tag) DO UPDATE SET users = bot_tag_counts.users + EXCLUDED.users;
					RETURN NULL;
				END $$`,
				`CREATE FUNCTION bot_tag_counts_removed() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					PERFORM 1 FROM bot_tag_counts c
					WHERE (c.bot_id, c.tag) IN (SELECT bot_id, tag FROM removed_tags)
					ORDER BY c.bot_id, c.tag FOR UPDATE;
					UPDATE bot_tag_counts c SET users = c.users - r.n
					FROM (SELECT bot_id, tag, count(*) AS n FROM removed_tags GROUP BY bot_id, tag) r
					WHERE c.bot_id = r.bot_id AND c.tag = r.tag;
					RETURN NULL;
				END $$`,
				`CREATE TRIGGER bot_user_tags_counted_insert AFTER INSERT ON bot_user_tags
					REFERENCING NEW TABLE AS added_tags FOR EACH STATEMENT EXECUTE FUNCTION bot_tag_counts_added()`,
				`CREATE TRIGGER bot_user_tags_counted_delete AFTER DELETE ON bot_user_tags
					REFERENCING OLD TABLE AS removed_tags FOR EACH STATEMENT EXECUTE FUNCTION bot_tag_counts_removed()`,
				tagCountsBackfill,
			},
			[]string{
				`CREATE TABLE bot_tag_counts (
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					tag TEXT NOT NULL,
					users BIGINT NOT NULL,
					PRIMARY KEY (bot_id, tag)
				)`,
				`CREATE TRIGGER bot_user_tags_counted_insert AFTER INSERT ON bot_user_tags BEGIN
					INSERT INTO bot_tag_counts (bot_id, tag, users) VALUES (NEW.bot_id, NEW.tag, 1)
					ON CONFLICT (bot_id, tag) DO UPDATE SET users = users + 1;
				END`,
				`CREATE TRIGGER bot_user_tags_counted_delete AFTER DELETE ON bot_user_tags BEGIN
					UPDATE bot_tag_counts SET users = users - 1 WHERE bot_id = OLD.bot_id AND tag = OLD.tag;
				END`,
				tagCountsBackfill,
			},
		),
		perDialect(
			[]string{
				`DROP TRIGGER bot_user_tags_counted_delete ON bot_user_tags`,
				`DROP TRIGGER bot_user_tags_counted_insert ON bot_user_tags`,
				`DROP FUNCTION bot_tag_counts_removed()`,
				`DROP FUNCTION bot_tag_counts_added()`,
				`DROP TABLE bot_tag_counts`,
			},
			[]string{
				`DROP TRIGGER bot_user_tags_counted_delete`,
				`DROP TRIGGER bot_user_tags_counted_insert`,
				`DROP TABLE bot_tag_counts`,
			},
		),
	)
}

const tagCountsBackfill = `INSERT INTO bot_tag_counts (bot_id, tag, users)
	SELECT bot_id, tag, count(*) FROM bot_user_tags GROUP BY bot_id, tag`

// perDialect runs the PostgreSQL or the SQLite statements, in one
// transaction.
func perDialect(pg, sqlite []string) migrate.MigrationFunc {
	return func(ctx context.Context, db *bun.DB) error {
		if sqldialect.IsPostgres(db) {
			return sqlSteps(pg...)(ctx, db)
		}
		return sqlSteps(sqlite...)(ctx, db)
	}
}
