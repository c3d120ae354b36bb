package migrations

func init() {
	All.MustRegister(
		sqlSteps(
			// A bot's no-code replies, in match order (position). spec is
			// the reply as internal/replies marshals it (JSON kept as text:
			// it is read whole, never queried); id and enabled are columns
			// too and win over the copy in spec. uses and last_used_at are
			// moved by the pipeline when the reply answers.
			`CREATE TABLE replies (
				id TEXT PRIMARY KEY,
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				position INTEGER NOT NULL,
				spec TEXT NOT NULL,
				enabled BOOLEAN NOT NULL DEFAULT TRUE,
				uses BIGINT NOT NULL DEFAULT 0,
				last_used_at TIMESTAMP_T,
				created_at TIMESTAMP_T NOT NULL,
				updated_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE INDEX replies_bot_position_idx ON replies (bot_id, position)`,

			// Moved in the transaction of every change to a bot's replies
			// (not of their usage counts), so that whoever caches a bot's
			// compiled replies checks one integer per update.
			`ALTER TABLE bots ADD COLUMN replies_version BIGINT NOT NULL DEFAULT 0`,

			// Files an account uploaded for replies and broadcasts, bytes in
			// the database (at most 10 MB each), and the file_id Telegram
			// gave each bot for one after its first send, so that later
			// sends re-use it instead of uploading again.
			`CREATE TABLE uploads (
				id TEXT PRIMARY KEY,
				owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				name TEXT NOT NULL,
				content_type TEXT NOT NULL,
				size BIGINT NOT NULL,
				data BLOB_T NOT NULL,
				created_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE INDEX uploads_owner_idx ON uploads (owner_id, created_at)`,
			`CREATE TABLE upload_file_ids (
				upload_id TEXT NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				file_id TEXT NOT NULL,
				created_at TIMESTAMP_T NOT NULL,
				PRIMARY KEY (upload_id, bot_id)
			)`,

			// The deep-link source of a user's first /start ("" when none)
			// and when it was recorded, for the sources card.
			`ALTER TABLE bot_users ADD COLUMN source TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE bot_users ADD COLUMN source_at TIMESTAMP_T`,
			`CREATE INDEX bot_users_source_idx ON bot_users (bot_id, source_at) WHERE source <> ''`,
		),
		sqlSteps(
			`DROP INDEX bot_users_source_idx`,
			`ALTER TABLE bot_users DROP COLUMN source_at`,
			`ALTER TABLE bot_users DROP COLUMN source`,
			`DROP TABLE upload_file_ids`,
			`DROP TABLE uploads`,
			`ALTER TABLE bots DROP COLUMN replies_version`,
			`DROP TABLE replies`,
		),
	)
}
