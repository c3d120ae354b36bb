package migrations

func init() {
	// Retention deletes cached profile photos nobody asked for in a month;
	// this index finds them without reading the photo bodies.
	All.MustRegister(
		sqlSteps(`CREATE INDEX user_photos_fetched_at_idx ON user_photos (fetched_at)`),
		sqlSteps(`DROP INDEX user_photos_fetched_at_idx`),
	)
}
