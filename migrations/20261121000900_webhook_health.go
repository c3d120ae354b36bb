package migrations

func init() {
	// When a webhook bot's delivery was last checked with getWebhookInfo.
	// Instances claim a check by moving it forward, so however many run,
	// each bot is asked about once per interval.
	All.MustRegister(
		sqlSteps(`ALTER TABLE bots ADD COLUMN webhook_checked_at TIMESTAMP_T`),
		sqlSteps(`ALTER TABLE bots DROP COLUMN webhook_checked_at`),
	)
}
