package migrations

func init() {
	// Each member's time zone (an IANA name such as "Europe/Berlin"); empty
	// until the browser reports it or the member picks one. Pages show
	// times in it, with UTC on hover.
	All.MustRegister(
		sqlSteps(`ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT ''`),
		sqlSteps(`ALTER TABLE users DROP COLUMN time_zone`),
	)
}
