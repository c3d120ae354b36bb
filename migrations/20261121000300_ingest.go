package migrations

func init() {
	All.MustRegister(
		steps(
			sqlSteps(
				// Raw updates as Telegram sent them. The primary key makes the
				// receiver idempotent on update_id; processed_at is the claim a
				// processor takes. Pruned after the retention period.
				`CREATE TABLE updates (
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					update_id BIGINT NOT NULL,
					kind TEXT NOT NULL,
					payload TEXT NOT NULL,
					received_at TIMESTAMP_T NOT NULL,
					processed_at TIMESTAMP_T,
					PRIMARY KEY (bot_id, update_id)
				)`,
				`CREATE INDEX updates_unprocessed_idx ON updates (received_at) WHERE processed_at IS NULL`,
				`CREATE INDEX updates_received_idx ON updates (received_at)`,

				// A bot's audience: people who talked to the bot privately.
				`CREATE TABLE bot_users (
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					user_id BIGINT NOT NULL,
					username TEXT NOT NULL DEFAULT '',
					first_name TEXT NOT NULL DEFAULT '',
					last_name TEXT NOT NULL DEFAULT '',
					name TEXT NOT NULL DEFAULT '',
					language_code TEXT NOT NULL DEFAULT '',
					is_premium BOOLEAN NOT NULL DEFAULT FALSE,
					started_at TIMESTAMP_T NOT NULL,
					last_seen_at TIMESTAMP_T NOT NULL,
					blocked BOOLEAN NOT NULL DEFAULT FALSE,
					bot_blocked BOOLEAN NOT NULL DEFAULT FALSE,
					bot_blocked_changed_at TIMESTAMP_T,
					PRIMARY KEY (bot_id, user_id)
				)`,
				`CREATE INDEX bot_users_started_idx ON bot_users (bot_id, started_at)`,
				`CREATE INDEX bot_users_last_seen_idx ON bot_users (bot_id, last_seen_at)`,
				`CREATE INDEX bot_users_name_idx ON bot_users (bot_id, name)`,
				`CREATE INDEX bot_users_blocked_idx ON bot_users (bot_id) WHERE blocked`,
				`CREATE INDEX bot_users_bot_blocked_idx ON bot_users (bot_id) WHERE bot_blocked`,

				// Per-day counters; they survive the pruning of raw updates.
				`CREATE TABLE bot_daily (
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					day TEXT NOT NULL,
					updates BIGINT NOT NULL DEFAULT 0,
					new_users BIGINT NOT NULL DEFAULT 0,
					active_users BIGINT NOT NULL DEFAULT 0,
					errors BIGINT NOT NULL DEFAULT 0,
					PRIMARY KEY (bot_id, day)
				)`,

				// Per-type counts of all updates ever received (unknown types too).
				`CREATE TABLE bot_update_kinds (
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					kind TEXT NOT NULL,
					total BIGINT NOT NULL DEFAULT 0,
					PRIMARY KEY (bot_id, kind)
				)`,

				// The bot's log: Telegram errors, ingest errors, handler output.
				`CREATE TABLE bot_logs (
					id BIGSERIAL_T,
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					level TEXT NOT NULL,
					source TEXT NOT NULL,
					message TEXT NOT NULL,
					detail TEXT NOT NULL DEFAULT '',
					created_at TIMESTAMP_T NOT NULL
				)`,
				`CREATE INDEX bot_logs_bot_idx ON bot_logs (bot_id, id)`,
				`CREATE INDEX bot_logs_bot_level_idx ON bot_logs (bot_id, level, id)`,

				// Chats (groups, supergroups, channels) the bot is in, from
				// my_chat_member updates; Telegram has no method listing them.
				`CREATE TABLE bot_chats (
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					chat_id BIGINT NOT NULL,
					type TEXT NOT NULL,
					title TEXT NOT NULL DEFAULT '',
					username TEXT NOT NULL DEFAULT '',
					status TEXT NOT NULL,
					can_invite_users BOOLEAN NOT NULL DEFAULT FALSE,
					updated_at TIMESTAMP_T NOT NULL,
					PRIMARY KEY (bot_id, chat_id)
				)`,

				// Profile photos fetched through the Bot API, cached. An empty
				// body with content_type '' records "this user has no photo".
				`CREATE TABLE user_photos (
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					user_id BIGINT NOT NULL,
					content_type TEXT NOT NULL,
					body BLOB_T NOT NULL,
					fetched_at TIMESTAMP_T NOT NULL,
					PRIMARY KEY (bot_id, user_id)
				)`,

				// Long-polling state per bot: the offset to confirm and the lease
				// that lets exactly one instance poll a bot.
				`CREATE TABLE poll_state (
					bot_id TEXT PRIMARY KEY REFERENCES bots (id) ON DELETE CASCADE,
					next_offset BIGINT NOT NULL DEFAULT 0,
					lease_owner TEXT NOT NULL DEFAULT '',
					lease_until TIMESTAMP_T,
					failures INTEGER NOT NULL DEFAULT 0,
					last_error TEXT NOT NULL DEFAULT '',
					updated_at TIMESTAMP_T NOT NULL
				)`,
			),
			pgOnly(
				`CREATE INDEX bot_users_name_trgm_idx ON bot_users USING gin (lower(name) gin_trgm_ops)`,
				`CREATE INDEX bot_users_username_trgm_idx ON bot_users USING gin (lower(username) gin_trgm_ops)`,
			),
		),
		sqlSteps(
			`DROP TABLE poll_state`,
			`DROP TABLE user_photos`,
			`DROP TABLE bot_chats`,
			`DROP TABLE bot_logs`,
			`DROP TABLE bot_update_kinds`,
			`DROP TABLE bot_daily`,
			`DROP TABLE bot_users`,
			`DROP TABLE updates`,
		),
	)
}
