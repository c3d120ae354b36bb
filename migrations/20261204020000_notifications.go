package migrations

func init() {
	// Notifications: what members are told about their bots (a bot in
	// warning or error and back, a failing relay and back, a burst of
	// handler errors, a finished or failed broadcast, a new conversation).
	//
	// notifications holds one row per (recipient, event). dedupe_key names
	// the event (e.g. "broadcast_done:<broadcast id>"), so raising the same
	// event twice — two instances, a retried transaction — inserts nothing
	// the second time (INSERT … ON CONFLICT DO NOTHING on the unique index).
	// in_app false keeps a row only as the Telegram sender's work item.
	// telegram_state is '' (no Telegram for it), pending, sent, limited,
	// collapsed or skipped.
	//
	// notification_marks remembers the last state notified per topic (a
	// bot's status, its relay, its handler error burst), so a transition is
	// notified once however many instances see it: the row is locked while
	// it is compared and moved.
	//
	// notification_settings holds what a member changed (a missing row takes
	// the kind's defaults). notification_leases holds the Telegram sender's
	// lease: one instance at a time sends, so per-member rate limits hold.
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE notifications (
				id TEXT PRIMARY KEY,
				owner_id TEXT NOT NULL,
				user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				kind TEXT NOT NULL,
				bot_id TEXT NOT NULL DEFAULT '',
				title TEXT NOT NULL,
				body TEXT NOT NULL DEFAULT '',
				url TEXT NOT NULL DEFAULT '',
				dedupe_key TEXT NOT NULL,
				in_app BOOLEAN NOT NULL DEFAULT TRUE,
				read_at TIMESTAMP_T,
				created_at TIMESTAMP_T NOT NULL,
				telegram_state TEXT NOT NULL DEFAULT '',
				telegram_note TEXT NOT NULL DEFAULT '',
				telegram_at TIMESTAMP_T
			)`,
			`CREATE UNIQUE INDEX notifications_dedupe_idx ON notifications (user_id, dedupe_key)`,
			`CREATE INDEX notifications_list_idx ON notifications (user_id, created_at, id) WHERE in_app`,
			`CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE in_app AND read_at IS NULL`,
			`CREATE INDEX notifications_telegram_idx ON notifications (telegram_state, user_id, telegram_at) WHERE telegram_state <> ''`,
			`CREATE TABLE notification_settings (
				user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				kind TEXT NOT NULL,
				in_app BOOLEAN NOT NULL,
				telegram BOOLEAN NOT NULL,
				PRIMARY KEY (user_id, kind)
			)`,
			`CREATE TABLE notification_marks (
				topic TEXT PRIMARY KEY,
				value TEXT NOT NULL DEFAULT '',
				seq BIGINT NOT NULL DEFAULT 0,
				updated_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE TABLE notification_leases (
				name TEXT PRIMARY KEY,
				lease_owner TEXT NOT NULL,
				lease_until TIMESTAMP_T NOT NULL
			)`,
		),
		sqlSteps(`DROP TABLE notification_leases`, `DROP TABLE notification_marks`, `DROP TABLE notification_settings`, `DROP TABLE notifications`),
	)
}
