package models

import (
	"context"

	"github.com/uptrace/bun"
)

// Chat statuses of the bot that make it an administrator.
var adminStatuses = []string{"administrator", "creator"}

// AdminChats lists the chats a bot administers, by title, each with the
// active campaign that tracks it (CampaignID, CampaignName; one chat, one
// active campaign), so a picker can show it taken rather than hide it.
func AdminChats(ctx context.Context, db bun.IDB, botID string) ([]BotChat, error) {
	chats := []BotChat{}
	err := db.NewSelect().Model(&chats).
		ColumnExpr("bot_chat.*").
		ColumnExpr("COALESCE(c.id, '') AS campaign_id").ColumnExpr("COALESCE(c.name, '') AS campaign_name").
		Join("LEFT JOIN campaigns AS c ON c.bot_id = bot_chat.bot_id AND c.chat_id = bot_chat.chat_id AND c.status = ?", CampaignActive).
		Where("bot_chat.bot_id = ?", botID).
		Where("bot_chat.status IN (?)", bun.In(adminStatuses)).
		OrderExpr("lower(bot_chat.title) ASC, bot_chat.chat_id ASC").
		Scan(ctx)
	return chats, wrap("admin chats", err)
}
