package models

import (
	"context"

	"github.com/uptrace/bun"
)

// DeleteBotReplies removes all of a bot's replies and moves its replies
// version (an import replacing them).
func DeleteBotReplies(ctx context.Context, db bun.IDB, botID string) error {
	if _, err := db.NewDelete().Model((*Reply)(nil)).Where("bot_id = ?", botID).Exec(ctx); err != nil {
		return wrap("delete bot replies", err)
	}
	return wrap("delete bot replies", bumpRepliesVersion(ctx, db, botID))
}

// ActiveCampaignsOfBot returns a bot's active campaigns, oldest first.
func ActiveCampaignsOfBot(ctx context.Context, db bun.IDB, botID string) ([]Campaign, error) {
	out := []Campaign{}
	err := db.NewSelect().Model(&out).Where("bot_id = ?", botID).Where("status = ?", CampaignActive).
		Order("created_at", "id").Scan(ctx)
	return out, wrap("active campaigns of bot", err)
}
