package migrations

func init() {
	// A queued message may be pointless after a time (a join requester can
	// be messaged for 5 minutes only): past expires_at it fails unsent.
	All.MustRegister(
		sqlSteps(`ALTER TABLE outbox ADD COLUMN expires_at TIMESTAMP_T`),
		sqlSteps(`ALTER TABLE outbox DROP COLUMN expires_at`),
	)
}
