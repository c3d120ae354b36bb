package migrations

func init() {
	// A member's Telegram account, linked by opening a t.me/<bot>?start=…
	// link (for notifications and test broadcasts): member_telegram holds
	// the link (one per member), telegram_link_tokens the pending links by
	// the SHA-256 of their token, valid for an hour and used once.
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE member_telegram (
				user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
				bot_id TEXT NOT NULL,
				telegram_user_id BIGINT NOT NULL,
				username TEXT NOT NULL DEFAULT '',
				first_name TEXT NOT NULL DEFAULT '',
				linked_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE TABLE telegram_link_tokens (
				token_hash TEXT PRIMARY KEY,
				user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				bot_id TEXT NOT NULL,
				expires_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE INDEX telegram_link_tokens_user_id_idx ON telegram_link_tokens (user_id)`,
		),
		sqlSteps(`DROP TABLE telegram_link_tokens`, `DROP TABLE member_telegram`),
	)
}
