package migrations

func init() {
	// Searches too short for trigrams (one or two characters) match the
	// start of the first name, last name or username; on PostgreSQL these
	// btree indexes serve those prefixes (text_pattern_ops makes LIKE 'x%'
	// indexable whatever the collation). SQLite scans either way.
	All.MustRegister(
		pgOnly(
			`CREATE INDEX bot_users_first_name_prefix_idx ON bot_users (bot_id, lower(first_name) text_pattern_ops)`,
			`CREATE INDEX bot_users_last_name_prefix_idx ON bot_users (bot_id, lower(last_name) text_pattern_ops)`,
			`CREATE INDEX bot_users_username_prefix_idx ON bot_users (bot_id, lower(username) text_pattern_ops)`,
		),
		pgOnly(
			`DROP INDEX bot_users_username_prefix_idx`,
			`DROP INDEX bot_users_last_name_prefix_idx`,
			`DROP INDEX bot_users_first_name_prefix_idx`,
		),
	)
}
