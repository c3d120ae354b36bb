package migrations

func init() {
	All.MustRegister(
		steps(
			sqlSteps(
				// Every saved version of a bot's JavaScript, append-only: a
				// restore saves the old source again as a new version
				// (restored_from names it). bots.code_version is the current
				// one; the oldest versions beyond the kept number are pruned
				// in the transaction that adds a version.
				`CREATE TABLE bot_code_versions (
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					version INTEGER NOT NULL,
					source TEXT NOT NULL,
					handlers TEXT NOT NULL DEFAULT '[]',
					size INTEGER NOT NULL,
					restored_from INTEGER,
					created_by TEXT NOT NULL DEFAULT '',
					created_at TIMESTAMP_T NOT NULL,
					PRIMARY KEY (bot_id, version)
				)`,

				// Bot code's document collections. The document (without its
				// _id, which is the id column) is JSON in data: JSONB on
				// PostgreSQL, canonical JSON text on SQLite (keys sorted, as
				// encoding/json writes maps) so that nested values compare
				// as text there. seq gives a stable insertion order, the
				// order of unsorted finds and of "the first matching
				// document".
				`CREATE TABLE bot_documents (
					seq BIGSERIAL_T,
					bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
					collection TEXT NOT NULL,
					id TEXT NOT NULL,
					data JSON_T NOT NULL,
					size INTEGER NOT NULL,
					created_at TIMESTAMP_T NOT NULL,
					updated_at TIMESTAMP_T NOT NULL
				)`,
				`CREATE UNIQUE INDEX bot_documents_id_key ON bot_documents (bot_id, collection, id)`,
				`CREATE INDEX bot_documents_order_idx ON bot_documents (bot_id, collection, seq)`,

				// Per-bot quota counters, moved in the transaction of every
				// insert, update and delete: a conditional UPDATE checks and
				// takes quota in one statement, so concurrent writers never
				// overshoot it.
				`CREATE TABLE bot_document_usage (
					bot_id TEXT PRIMARY KEY REFERENCES bots (id) ON DELETE CASCADE,
					documents BIGINT NOT NULL DEFAULT 0,
					bytes BIGINT NOT NULL DEFAULT 0
				)`,
			),
			// Equality filters on scalar fields are one containment test
			// (data @> '{"field": value}') that this index serves.
			pgOnly(
				`CREATE INDEX bot_documents_data_idx ON bot_documents USING gin (data jsonb_path_ops)`,
			),
		),
		sqlSteps(
			`DROP TABLE bot_document_usage`,
			`DROP TABLE bot_documents`,
			`DROP TABLE bot_code_versions`,
		),
	)
}
