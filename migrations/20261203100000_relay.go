package migrations

func init() {
	// The relay: each bot may have its updates delivered, after Botdeck
	// processed them, to the owner's own server. bot_relays holds the
	// target, the secret sent as X-Telegram-Bot-Api-Secret-Token (sealed
	// like tokens), the delivery cursor (the last update_id handed over; the
	// Bot API proxy's getUpdates confirms through the same cursor), the retry
	// state of the update at the head, and the lease that lets exactly one
	// instance deliver a bot. relay_deliveries logs every attempt.
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE bot_relays (
				bot_id TEXT PRIMARY KEY REFERENCES bots (id) ON DELETE CASCADE,
				url TEXT NOT NULL DEFAULT '',
				enabled BOOLEAN NOT NULL DEFAULT FALSE,
				secret_ciphertext BLOB_T NOT NULL,
				delivered_through BIGINT NOT NULL DEFAULT 0,
				attempts INTEGER NOT NULL DEFAULT 0,
				next_attempt_at TIMESTAMP_T,
				failing_since TIMESTAMP_T,
				last_error TEXT NOT NULL DEFAULT '',
				warning TEXT NOT NULL DEFAULT '',
				last_delivered_at TIMESTAMP_T,
				lease_owner TEXT NOT NULL DEFAULT '',
				lease_until TIMESTAMP_T,
				created_at TIMESTAMP_T NOT NULL,
				updated_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE INDEX bot_relays_enabled_idx ON bot_relays (bot_id) WHERE enabled`,
			`CREATE TABLE relay_deliveries (
				id BIGSERIAL_T,
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				update_id BIGINT NOT NULL,
				status TEXT NOT NULL,
				http_status INTEGER NOT NULL DEFAULT 0,
				duration_ms INTEGER NOT NULL DEFAULT 0,
				attempts INTEGER NOT NULL DEFAULT 1,
				error TEXT NOT NULL DEFAULT '',
				at TIMESTAMP_T NOT NULL
			)`,
			`CREATE INDEX relay_deliveries_bot_idx ON relay_deliveries (bot_id, id)`,
			`CREATE INDEX relay_deliveries_bot_status_idx ON relay_deliveries (bot_id, status, id)`,
			`CREATE INDEX relay_deliveries_at_idx ON relay_deliveries (at)`,
		),
		sqlSteps(`DROP TABLE relay_deliveries`, `DROP TABLE bot_relays`),
	)
}
