package migrations

func init() {
	All.MustRegister(
		steps(
			sqlSteps(
				// status: connecting (claimed while Telegram is being set up; never
				// listed), active, stopped, warning, error, deleted (soft).
				`CREATE TABLE bots (
					id TEXT PRIMARY KEY,
					owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
					telegram_id BIGINT NOT NULL,
					username TEXT NOT NULL,
					name TEXT NOT NULL,
					token_ciphertext BLOB_T NOT NULL,
					token_hash TEXT NOT NULL,
					token_masked TEXT NOT NULL,
					status TEXT NOT NULL,
					status_reason TEXT NOT NULL DEFAULT '',
					update_mode TEXT NOT NULL,
					webhook_secret TEXT NOT NULL,
					webhook_url TEXT NOT NULL DEFAULT '',
					webhook_set BOOLEAN NOT NULL DEFAULT FALSE,
					webhook_error TEXT NOT NULL DEFAULT '',
					description TEXT NOT NULL DEFAULT '',
					tags TEXT NOT NULL DEFAULT '[]',
					total_users BIGINT NOT NULL DEFAULT 0,
					code_version INTEGER NOT NULL DEFAULT 0,
					code_updated_at TIMESTAMP_T,
					created_at TIMESTAMP_T NOT NULL,
					updated_at TIMESTAMP_T NOT NULL,
					deleted_at TIMESTAMP_T,
					last_update_at TIMESTAMP_T
				)`,
				// One live row per Telegram bot and per token, across all accounts;
				// deleted rows keep their history without blocking a reconnect.
				`CREATE UNIQUE INDEX bots_telegram_id_live_key ON bots (telegram_id) WHERE status <> 'deleted'`,
				`CREATE UNIQUE INDEX bots_token_hash_live_key ON bots (token_hash) WHERE status <> 'deleted'`,
				`CREATE INDEX bots_owner_created_idx ON bots (owner_id, created_at)`,
				`CREATE INDEX bots_owner_status_idx ON bots (owner_id, status)`,
			),
			// Substring search over name and username (lower(x) LIKE lower(?))
			// needs trigram indexes on PostgreSQL to stay fast at 10,000 bots.
			pgOnly(
				`CREATE EXTENSION IF NOT EXISTS pg_trgm`,
				`CREATE INDEX bots_name_trgm_idx ON bots USING gin (lower(name) gin_trgm_ops)`,
				`CREATE INDEX bots_username_trgm_idx ON bots USING gin (lower(username) gin_trgm_ops)`,
			),
		),
		sqlSteps(`DROP TABLE bots`),
	)
}
