package migrations

func init() {
	// CSV imports of a bot's users. bot_users.imported_at marks a user an
	// import created (NULL for people the bot met itself): such a user is
	// not a new start in the stats, and their last_seen_at stays at the
	// epoch until they talk to the bot. user_imports is one import: a file
	// staged for the dashboard's preview (its bytes in user_import_chunks,
	// deleted when the import ends), the column mapping chosen, then the
	// progress and outcome that the page polls (any instance can answer).
	All.MustRegister(
		sqlSteps(
			`ALTER TABLE bot_users ADD COLUMN imported_at TIMESTAMP_T`,
			`CREATE TABLE user_imports (
				id TEXT PRIMARY KEY,
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				file_name TEXT NOT NULL DEFAULT '',
				size BIGINT NOT NULL DEFAULT 0,
				status TEXT NOT NULL,
				columns TEXT NOT NULL DEFAULT '',
				bytes_read BIGINT NOT NULL DEFAULT 0,
				rows_read BIGINT NOT NULL DEFAULT 0,
				imported BIGINT NOT NULL DEFAULT 0,
				updated BIGINT NOT NULL DEFAULT 0,
				rejected_total BIGINT NOT NULL DEFAULT 0,
				rejected TEXT NOT NULL DEFAULT '',
				error TEXT NOT NULL DEFAULT '',
				created_at TIMESTAMP_T NOT NULL,
				updated_at TIMESTAMP_T NOT NULL,
				finished_at TIMESTAMP_T
			)`,
			`CREATE INDEX user_imports_bot_idx ON user_imports (bot_id, created_at)`,
			`CREATE INDEX user_imports_created_idx ON user_imports (created_at)`,
			`CREATE TABLE user_import_chunks (
				import_id TEXT NOT NULL REFERENCES user_imports (id) ON DELETE CASCADE,
				seq INTEGER NOT NULL,
				data BLOB_T NOT NULL,
				PRIMARY KEY (import_id, seq)
			)`,
		),
		sqlSteps(
			`DROP TABLE user_import_chunks`,
			`DROP TABLE user_imports`,
			`ALTER TABLE bot_users DROP COLUMN imported_at`,
		),
	)
}
