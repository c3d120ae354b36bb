package migrations

func init() {
	// The TOTP second factor of an account. secret is sealed with the
	// server's key (like bot tokens) and empty until set-up is confirmed;
	// pending is the secret of a set-up not yet confirmed. last_step is the
	// 30-second step of the last code accepted: a code of that step or an
	// earlier one is refused, so a seen code cannot be replayed. Recovery
	// codes are stored as SHA-256 hashes and used at most once.
	All.MustRegister(
		sqlSteps(
			`CREATE TABLE user_totp (
				user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
				secret BLOB_T,
				pending BLOB_T,
				enabled_at TIMESTAMP_T,
				last_step BIGINT NOT NULL DEFAULT 0
			)`,
			`CREATE TABLE totp_recovery_codes (
				user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				code_hash TEXT NOT NULL,
				used_at TIMESTAMP_T,
				PRIMARY KEY (user_id, code_hash)
			)`,
		),
		sqlSteps(`DROP TABLE totp_recovery_codes`, `DROP TABLE user_totp`),
	)
}
