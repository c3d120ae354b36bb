package migrations

func init() {
	All.MustRegister(
		sqlSteps(
			// A campaign tracks joins to one chat through its own invite link.
			`CREATE TABLE campaigns (
				id TEXT PRIMARY KEY,
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				chat_id BIGINT NOT NULL,
				chat_title TEXT NOT NULL DEFAULT '',
				name TEXT NOT NULL,
				greeting TEXT NOT NULL DEFAULT '',
				join_request BOOLEAN NOT NULL DEFAULT FALSE,
				invite_link TEXT NOT NULL,
				status TEXT NOT NULL,
				warning TEXT NOT NULL DEFAULT '',
				joins BIGINT NOT NULL DEFAULT 0,
				leaves BIGINT NOT NULL DEFAULT 0,
				requests BIGINT NOT NULL DEFAULT 0,
				created_at TIMESTAMP_T NOT NULL,
				updated_at TIMESTAMP_T NOT NULL,
				archived_at TIMESTAMP_T
			)`,
			// One active campaign per chat of a bot: the picker and the 409 rely on it.
			`CREATE UNIQUE INDEX campaigns_active_chat_key ON campaigns (bot_id, chat_id) WHERE status = 'active'`,
			`CREATE INDEX campaigns_bot_idx ON campaigns (bot_id, created_at)`,
			`CREATE INDEX campaigns_invite_link_idx ON campaigns (invite_link)`,

			// One lead per person per campaign; re-joining reopens it.
			`CREATE TABLE campaign_leads (
				campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
				user_id BIGINT NOT NULL,
				username TEXT NOT NULL DEFAULT '',
				name TEXT NOT NULL DEFAULT '',
				status TEXT NOT NULL,
				via TEXT NOT NULL,
				requested_at TIMESTAMP_T,
				joined_at TIMESTAMP_T,
				left_at TIMESTAMP_T,
				greeted_at TIMESTAMP_T,
				greeting_error TEXT NOT NULL DEFAULT '',
				updated_at TIMESTAMP_T NOT NULL,
				PRIMARY KEY (campaign_id, user_id)
			)`,
			`CREATE INDEX campaign_leads_status_idx ON campaign_leads (campaign_id, status, updated_at)`,

			`CREATE TABLE campaign_daily (
				campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
				day TEXT NOT NULL,
				joins BIGINT NOT NULL DEFAULT 0,
				leaves BIGINT NOT NULL DEFAULT 0,
				requests BIGINT NOT NULL DEFAULT 0,
				PRIMARY KEY (campaign_id, day)
			)`,

			// Joins to a chat not through a campaign link (public username,
			// another admin's link, a re-join without link), per day.
			`CREATE TABLE chat_other_joins (
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				chat_id BIGINT NOT NULL,
				day TEXT NOT NULL,
				joins BIGINT NOT NULL DEFAULT 0,
				PRIMARY KEY (bot_id, chat_id, day)
			)`,

			// Outbox of Telegram actions decided while processing updates
			// (a greeting, a join-request approval), sent by a job outside
			// the processing transaction. kind: greet | approve.
			`CREATE TABLE campaign_actions (
				id BIGSERIAL_T,
				campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
				bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
				user_id BIGINT NOT NULL,
				chat_id BIGINT NOT NULL,
				kind TEXT NOT NULL,
				text TEXT NOT NULL DEFAULT '',
				status TEXT NOT NULL,
				attempts INTEGER NOT NULL DEFAULT 0,
				not_before TIMESTAMP_T NOT NULL,
				deadline TIMESTAMP_T,
				last_error TEXT NOT NULL DEFAULT '',
				lease_owner TEXT NOT NULL DEFAULT '',
				lease_until TIMESTAMP_T,
				created_at TIMESTAMP_T NOT NULL,
				done_at TIMESTAMP_T
			)`,
			`CREATE INDEX campaign_actions_due_idx ON campaign_actions (status, not_before)`,
		),
		sqlSteps(
			`DROP TABLE campaign_actions`,
			`DROP TABLE chat_other_joins`,
			`DROP TABLE campaign_daily`,
			`DROP TABLE campaign_leads`,
			`DROP TABLE campaigns`,
		),
	)
}
