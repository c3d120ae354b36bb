package models

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// SetUserSource records source as the deep-link source of a bot user at at,
// unless the user already has one (the first /start with a source wins,
// and a campaign's source is kept). It reports whether it recorded it.
func SetUserSource(ctx context.Context, db bun.IDB, botID string, userID int64, source string, at time.Time) (bool, error) {
	if source == "" {
		return false, nil
	}
	res, err := db.NewUpdate().Model((*BotUser)(nil)).Set("source = ?", source).Set("source_at = ?", at).
		Where("bot_id = ?", botID).Where("user_id = ?", userID).Where("source = ''").Exec(ctx)
	if err != nil {
		return false, wrap("set user source", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// CampaignSourcePrefix starts the source of a user who came through a
// campaign's invite link ("campaign:<name>"); deep-link sources cannot
// contain ":", so the two never mix.
const CampaignSourcePrefix = "campaign:"

// CampaignSource is the source recorded for a lead of the named campaign.
func CampaignSource(campaignName string) string { return CampaignSourcePrefix + campaignName }

// LeadCampaigns returns, for those of userIDs who are leads of one of the
// bot's campaigns, the name of the first campaign they came through.
func LeadCampaigns(ctx context.Context, db bun.IDB, botID string, userIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID int64  `bun:"user_id"`
		Name   string `bun:"name"`
	}
	err := db.NewSelect().TableExpr("campaign_leads AS l").Join("JOIN campaigns AS c ON c.id = l.campaign_id").
		ColumnExpr("l.user_id, c.name").Where("c.bot_id = ?", botID).Where("l.user_id IN (?)", bun.In(userIDs)).
		OrderExpr("l.user_id, COALESCE(l.requested_at, l.joined_at, l.updated_at), c.created_at").Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("lead campaigns", err)
	}
	for _, r := range rows {
		if _, ok := out[r.UserID]; !ok {
			out[r.UserID] = r.Name
		}
	}
	return out, nil
}

// UserSource returns a bot user's source ("" when none).
func UserSource(ctx context.Context, db bun.IDB, botID string, userID int64) (string, error) {
	var s string
	err := db.NewSelect().Model((*BotUser)(nil)).Column("source").Where("bot_id = ?", botID).
		Where("user_id = ?", userID).Scan(ctx, &s)
	return s, wrap("user source", notFoundAs(err, "user"))
}

// SourceCount is how many of a bot's users came from one deep-link source,
// and when the last of them was recorded.
type SourceCount struct {
	Source string    `bun:"source"`
	Users  int64     `bun:"users"`
	LastAt time.Time `bun:"last_at"`
}

// ListSources counts a bot's users by source among those recorded since
// since, most users first.
func ListSources(ctx context.Context, db bun.IDB, botID string, since time.Time) ([]SourceCount, error) {
	out := []SourceCount{}
	err := db.NewSelect().Model((*BotUser)(nil)).Column("source").ColumnExpr("COUNT(*) AS users").
		ColumnExpr("MAX(source_at) AS last_at").Where("bot_id = ?", botID).Where("source <> ''").
		Where("source_at >= ?", since).Group("source").OrderExpr("users DESC, source").Scan(ctx, &out)
	return out, wrap("list sources", err)
}
