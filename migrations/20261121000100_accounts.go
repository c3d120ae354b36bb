package migrations

func init() {
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE users (
				id TEXT PRIMARY KEY,
				email TEXT NOT NULL,
				name TEXT NOT NULL DEFAULT '',
				password_hash TEXT NOT NULL,
				created_at TIMESTAMP_T NOT NULL,
				updated_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE UNIQUE INDEX users_email_key ON users (email)`,

			// A session row is keyed by the SHA-256 of the cookie's session id,
			// so a copy of the database does not hand out live sessions.
			`CREATE TABLE sessions (
				id_hash TEXT PRIMARY KEY,
				user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
				data TEXT NOT NULL DEFAULT '{}',
				created_at TIMESTAMP_T NOT NULL,
				last_seen_at TIMESTAMP_T NOT NULL,
				expires_at TIMESTAMP_T NOT NULL,
				user_agent TEXT NOT NULL DEFAULT '',
				ip TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX sessions_user_id_idx ON sessions (user_id)`,
			`CREATE INDEX sessions_expires_at_idx ON sessions (expires_at)`,

			`CREATE TABLE api_keys (
				id TEXT PRIMARY KEY,
				user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				name TEXT NOT NULL,
				prefix TEXT NOT NULL,
				key_hash TEXT NOT NULL,
				created_at TIMESTAMP_T NOT NULL,
				last_used_at TIMESTAMP_T
			)`,
			`CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash)`,
			`CREATE INDEX api_keys_user_id_idx ON api_keys (user_id, created_at)`,

			// Failed sign-ins per (email, IP) and per IP, for throttling. Kept in
			// the database so every instance sees the same count.
			`CREATE TABLE auth_failures (
				key TEXT PRIMARY KEY,
				failures INTEGER NOT NULL,
				window_started_at TIMESTAMP_T NOT NULL
			)`,
		),
		sqlSteps(
			`DROP TABLE auth_failures`,
			`DROP TABLE api_keys`,
			`DROP TABLE sessions`,
			`DROP TABLE users`,
		),
	)
}
