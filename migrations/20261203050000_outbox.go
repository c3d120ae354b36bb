package migrations

func init() {
	// The outbox: everything a bot says goes through it (replies, code,
	// campaign greetings, dashboard messages, notifications). A row is one
	// Bot API call for one chat, queued inside the transaction that decided
	// it and sent afterwards by the instance holding the bot's outbox lease
	// (outbox_leases), one bot at a time, by priority then id.
	//
	// params is the call's JSON parameters; upload_id/upload_field name a
	// stored upload to attach (sent as bytes the first time, then by
	// file_id). idem_key is unique per bot (NULL = no key), so a retried
	// enqueue never queues the same message twice. status: queued, sending
	// (claimed by the lease holder of epoch; the request may have gone),
	// sent, failed, unconfirmed (the sender stopped dead while the request
	// was out: it may have arrived, and is never sent again).
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE outbox (
				id BIGSERIAL_T,
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				chat_id BIGINT NOT NULL,
				method TEXT NOT NULL,
				params TEXT NOT NULL,
				upload_id TEXT NOT NULL DEFAULT '',
				upload_field TEXT NOT NULL DEFAULT '',
				priority INTEGER NOT NULL,
				origin TEXT NOT NULL,
				origin_ref TEXT NOT NULL DEFAULT '',
				idem_key TEXT,
				status TEXT NOT NULL,
				attempts INTEGER NOT NULL DEFAULT 0,
				not_before TIMESTAMP_T NOT NULL,
				epoch BIGINT NOT NULL DEFAULT 0,
				error TEXT NOT NULL DEFAULT '',
				message_id BIGINT NOT NULL DEFAULT 0,
				created_at TIMESTAMP_T NOT NULL,
				sent_at TIMESTAMP_T,
				updated_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE UNIQUE INDEX outbox_idem_key_idx ON outbox (bot_id, idem_key)`,
			`CREATE INDEX outbox_queued_idx ON outbox (bot_id, priority, id) WHERE status = 'queued'`,
			`CREATE INDEX outbox_sending_idx ON outbox (bot_id, epoch) WHERE status = 'sending'`,
			`CREATE INDEX outbox_updated_at_idx ON outbox (updated_at) WHERE status NOT IN ('queued', 'sending')`,
			`CREATE TABLE outbox_leases (
				bot_id TEXT PRIMARY KEY REFERENCES bots (id) ON DELETE CASCADE,
				lease_owner TEXT NOT NULL DEFAULT '',
				lease_until TIMESTAMP_T,
				epoch BIGINT NOT NULL DEFAULT 0,
				updated_at TIMESTAMP_T NOT NULL
			)`,
		),
		sqlSteps(`DROP TABLE outbox_leases`, `DROP TABLE outbox`),
	)
}
