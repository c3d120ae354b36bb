package migrations

func init() {
	// Broadcasts created with an audience too large to freeze inside the
	// request are stored as 'preparing' and frozen by jobs.Scheduler; the
	// partial index finds them without reading the others.
	All.MustRegister(
		sqlSteps(`CREATE INDEX broadcasts_preparing_idx ON broadcasts (created_at) WHERE status = 'preparing'`),
		sqlSteps(`DROP INDEX broadcasts_preparing_idx`),
	)
}
