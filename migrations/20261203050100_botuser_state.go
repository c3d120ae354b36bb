package migrations

func init() {
	// What replies keep about a bot's users: properties (answers to asks,
	// set actions; value is JSON: a string, number, boolean or null), tags,
	// and the reply whose ask the user is answering (bot_users.awaiting,
	// "" when none).
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE bot_user_props (
				bot_id TEXT NOT NULL,
				user_id BIGINT NOT NULL,
				name TEXT NOT NULL,
				value TEXT NOT NULL,
				updated_at TIMESTAMP_T NOT NULL,
				PRIMARY KEY (bot_id, user_id, name),
				FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id) ON DELETE CASCADE
			)`,
			`CREATE TABLE bot_user_tags (
				bot_id TEXT NOT NULL,
				user_id BIGINT NOT NULL,
				tag TEXT NOT NULL,
				created_at TIMESTAMP_T NOT NULL,
				PRIMARY KEY (bot_id, user_id, tag),
				FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id) ON DELETE CASCADE
			)`,
			`CREATE INDEX bot_user_tags_tag_idx ON bot_user_tags (bot_id, tag)`,
			`ALTER TABLE bot_users ADD COLUMN awaiting TEXT NOT NULL DEFAULT ''`,
		),
		sqlSteps(
			`ALTER TABLE bot_users DROP COLUMN awaiting`,
			`DROP TABLE bot_user_tags`,
			`DROP TABLE bot_user_props`,
		),
	)
}
