package migrations

func init() {
	All.MustRegister(
		sqlSteps(
			// A broadcast: one message to a snapshot of a bot's audience.
			// The counters move in the same transaction as the recipient row
			// whose outcome they count, so they always add up.
			`CREATE TABLE broadcasts (
				id TEXT PRIMARY KEY,
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				text TEXT NOT NULL,
				parse_mode TEXT NOT NULL DEFAULT '',
				disable_preview BOOLEAN NOT NULL DEFAULT FALSE,
				audience TEXT NOT NULL,
				status TEXT NOT NULL,
				status_reason TEXT NOT NULL DEFAULT '',
				total BIGINT NOT NULL DEFAULT 0,
				sent BIGINT NOT NULL DEFAULT 0,
				failed BIGINT NOT NULL DEFAULT 0,
				blocked BIGINT NOT NULL DEFAULT 0,
				skipped BIGINT NOT NULL DEFAULT 0,
				unconfirmed BIGINT NOT NULL DEFAULT 0,
				created_at TIMESTAMP_T NOT NULL,
				started_at TIMESTAMP_T,
				finished_at TIMESTAMP_T,
				updated_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE INDEX broadcasts_bot_idx ON broadcasts (bot_id, created_at)`,
			`CREATE INDEX broadcasts_active_idx ON broadcasts (bot_id) WHERE status IN ('queued', 'running')`,

			// Every recipient of a broadcast and what happened to them: the
			// sender's checkpoint. claim is the lease epoch of the attempt in
			// flight (status 'sending'), which fences off a previous lease
			// holder and tells a new one which rows are in doubt.
			`CREATE TABLE broadcast_recipients (
				broadcast_id TEXT NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
				user_id BIGINT NOT NULL,
				status TEXT NOT NULL DEFAULT 'pending',
				attempts INTEGER NOT NULL DEFAULT 0,
				claim BIGINT NOT NULL DEFAULT 0,
				next_attempt_at TIMESTAMP_T,
				message_id BIGINT,
				error TEXT NOT NULL DEFAULT '',
				done_at TIMESTAMP_T,
				PRIMARY KEY (broadcast_id, user_id)
			)`,
			`CREATE INDEX broadcast_recipients_status_idx ON broadcast_recipients (broadcast_id, status, user_id)`,
			`CREATE INDEX broadcast_recipients_done_idx ON broadcast_recipients (broadcast_id, done_at)`,

			// Who sends a bot's broadcasts: one instance per bot, so the
			// bot's token bucket lives in one process. epoch grows with every
			// new holder and fences writes of the previous one.
			`CREATE TABLE broadcast_leases (
				bot_id TEXT PRIMARY KEY REFERENCES bots (id) ON DELETE CASCADE,
				lease_owner TEXT NOT NULL DEFAULT '',
				lease_until TIMESTAMP_T,
				epoch BIGINT NOT NULL DEFAULT 0,
				updated_at TIMESTAMP_T NOT NULL
			)`,
		),
		sqlSteps(
			`DROP TABLE broadcast_leases`,
			`DROP TABLE broadcast_recipients`,
			`DROP TABLE broadcasts`,
		),
	)
}
