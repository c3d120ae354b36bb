package migrations

func init() {
	// A bot's settings: name/value pairs its code reads as env.NAME. A
	// secret's value is kept only encrypted (value is then empty and
	// ciphertext holds it, sealed with the bot tokens' key and the bot id
	// and name as associated data); it is never shown again.
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE bot_settings (
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				name TEXT NOT NULL,
				value TEXT NOT NULL DEFAULT '',
				ciphertext BLOB_T,
				secret BOOLEAN NOT NULL DEFAULT FALSE,
				updated_at TIMESTAMP_T NOT NULL,
				PRIMARY KEY (bot_id, name)
			)`,
		),
		sqlSteps(`DROP TABLE bot_settings`),
	)
}
