package migrations

func init() {
	// Conversations: what people wrote to a bot in private chats and what
	// was sent to them, from any path (replies, code, broadcasts, the
	// dashboard, the relay), kept apart from the raw updates that retention
	// prunes. A message body (text, caption, file, buttons) may be pruned
	// on its own schedule (BOTDECK_MESSAGE_RETENTION); the row stays so the
	// counts and the timeline keep their shape.
	//
	// conversations holds one row per (bot, user) who exchanged a message:
	// the latest message for the inbox, the unread count and open/done.
	// The inbox pages through it newest first per status; unread totals
	// read the partial index of conversations with something unread.
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE messages (
				id BIGSERIAL_T,
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				user_id BIGINT NOT NULL,
				direction TEXT NOT NULL,
				origin TEXT NOT NULL,
				kind TEXT NOT NULL,
				text TEXT NOT NULL DEFAULT '',
				caption TEXT NOT NULL DEFAULT '',
				file_id TEXT NOT NULL DEFAULT '',
				buttons TEXT NOT NULL DEFAULT '',
				parse_mode TEXT NOT NULL DEFAULT '',
				telegram_message_id BIGINT NOT NULL DEFAULT 0,
				error TEXT NOT NULL DEFAULT '',
				by_member TEXT NOT NULL DEFAULT '',
				pruned BOOLEAN NOT NULL DEFAULT FALSE,
				created_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE INDEX messages_user_idx ON messages (bot_id, user_id, id)`,
			`CREATE INDEX messages_unpruned_idx ON messages (created_at) WHERE NOT pruned`,
			`CREATE TABLE conversations (
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				user_id BIGINT NOT NULL,
				status TEXT NOT NULL DEFAULT 'open',
				unread BIGINT NOT NULL DEFAULT 0,
				messages_in BIGINT NOT NULL DEFAULT 0,
				messages_out BIGINT NOT NULL DEFAULT 0,
				last_message_id BIGINT NOT NULL DEFAULT 0,
				last_text TEXT NOT NULL DEFAULT '',
				last_direction TEXT NOT NULL DEFAULT '',
				last_at TIMESTAMP_T NOT NULL,
				PRIMARY KEY (bot_id, user_id)
			)`,
			`CREATE INDEX conversations_recent_idx ON conversations (bot_id, last_at, user_id)`,
			`CREATE INDEX conversations_status_idx ON conversations (bot_id, status, last_at, user_id)`,
			`CREATE INDEX conversations_unread_idx ON conversations (bot_id) WHERE unread > 0`,
		),
		sqlSteps(`DROP TABLE conversations`, `DROP TABLE messages`),
	)
}
