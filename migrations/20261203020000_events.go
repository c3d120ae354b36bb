package migrations

func init() {
	// The live events log: what open pages and API clients are told
	// (a message arrived, a broadcast moved on, a bot changed status).
	// It is short-lived — retention keeps about an hour — and exists so a
	// stream that reconnects (Last-Event-ID) gets what it missed, and so
	// every instance sharing the database sees every event. scope is who
	// may see an event (the owning account's id). data is a small JSON
	// object kept as text: it is passed through, never queried.
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE events (
				id BIGSERIAL_T,
				scope TEXT NOT NULL,
				bot_id TEXT NOT NULL DEFAULT '',
				kind TEXT NOT NULL,
				subject TEXT NOT NULL DEFAULT '',
				data TEXT NOT NULL,
				created_at TIMESTAMP_T NOT NULL
			)`,
			`CREATE INDEX events_scope_idx ON events (scope, id)`,
			`CREATE INDEX events_created_at_idx ON events (created_at)`,
		),
		sqlSteps(`DROP TABLE events`),
	)
}
