package migrations

func init() {
	// Segments: a saved users-list filter of one bot (filter is the
	// filter's JSON, as the API takes it). Broadcasts gain what the
	// extended composer sets: a segment or a filter narrowing the audience
	// (filter holds the filter that applies; with a segment, its filter
	// is read again when the audience is frozen), a photo or document
	// (upload ids), URL buttons (JSON) and a start time: status
	// 'scheduled' until scheduled_at, when jobs.Scheduler freezes the
	// audience and queues it.
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE segments (
				id TEXT PRIMARY KEY,
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				name TEXT NOT NULL,
				filter TEXT NOT NULL,
				created_at TIMESTAMP_T NOT NULL,
				updated_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE INDEX segments_bot_idx ON segments (bot_id, name)`,
			`ALTER TABLE broadcasts ADD COLUMN segment_id TEXT`,
			`ALTER TABLE broadcasts ADD COLUMN filter TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE broadcasts ADD COLUMN photo TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE broadcasts ADD COLUMN document TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE broadcasts ADD COLUMN buttons TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE broadcasts ADD COLUMN scheduled_at TIMESTAMP_T`,
			`CREATE INDEX broadcasts_scheduled_idx ON broadcasts (scheduled_at) WHERE status = 'scheduled'`,
			`CREATE INDEX broadcasts_segment_idx ON broadcasts (segment_id) WHERE segment_id IS NOT NULL`,
			// A tag's users in user id order, read from the index alone: a
			// segment's count by tag (models.CountMatching) never visits
			// bot_users or the tags' rows.
			`CREATE INDEX bot_user_tags_tag_user_idx ON bot_user_tags (bot_id, tag, user_id)`,
			`CREATE INDEX bot_user_props_value_idx ON bot_user_props (bot_id, name, value, user_id)`,
		),
		sqlSteps(
			`DROP INDEX bot_user_props_value_idx`,
			`DROP INDEX bot_user_tags_tag_user_idx`,
			`DROP INDEX broadcasts_segment_idx`,
			`DROP INDEX broadcasts_scheduled_idx`,
			`ALTER TABLE broadcasts DROP COLUMN scheduled_at`,
			`ALTER TABLE broadcasts DROP COLUMN buttons`,
			`ALTER TABLE broadcasts DROP COLUMN document`,
			`ALTER TABLE broadcasts DROP COLUMN photo`,
			`ALTER TABLE broadcasts DROP COLUMN filter`,
			`ALTER TABLE broadcasts DROP COLUMN segment_id`,
			`DROP TABLE segments`,
		),
	)
}
