package migrations

func init() {
	// The property columns each member last chose for a bot's users table
	// (cols=… in its URL), shown again when they open the table without
	// cols. A comma-separated list of property names.
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE member_user_columns (
				user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				cols TEXT NOT NULL,
				updated_at TIMESTAMP_T NOT NULL,
				PRIMARY KEY (user_id, bot_id)
			)`,
			`CREATE INDEX member_user_columns_bot_id_idx ON member_user_columns (bot_id)`,
		),
		sqlSteps(`DROP TABLE member_user_columns`),
	)
}
