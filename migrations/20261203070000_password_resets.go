package migrations

func init() {
	// Password-reset links: one row per link, keyed by the SHA-256 of its
	// token (the token itself is only in the link), valid until expires_at
	// and used at most once (used_at).
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE password_resets (
				token_hash TEXT PRIMARY KEY,
				user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				created_at TIMESTAMP_T NOT NULL,
				expires_at TIMESTAMP_T NOT NULL,
				used_at TIMESTAMP_T
			)`,
			`CREATE INDEX password_resets_user_id_idx ON password_resets (user_id)`,
		),
		sqlSteps(`DROP TABLE password_resets`),
	)
}
