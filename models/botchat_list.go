package models

import (
	"context"

	"github.com/uptrace/bun"
)

// Chat statuses of the bot that make it an administrator.
var adminStatuses = []string{"administrator", "creator"}

// AdminChats lists the chats a bot administers, by title. These are the
// chats a campaign can track.
func AdminChats(ctx context.Context, db bun.IDB, botID string) ([]BotChat, error) {
	chats := []BotChat{}
	err := db.NewSelect().Model(&chats).
		Where("bot_chat.bot_id = ?", botID).
		Where("bot_chat.status IN (?)", bun.In(adminStatuses)).
		// A chat an active campaign tracks is not pickable: one chat, one active campaign.
		Where("NOT EXISTS (SELECT 1 FROM campaigns AS c WHERE c.bot_id = bot_chat.bot_id AND c.chat_id = bot_chat.chat_id AND c.status = ?)", CampaignActive).
		OrderExpr("lower(bot_chat.title) ASC, bot_chat.chat_id ASC").
		Scan(ctx)
	return chats, wrap("admin chats", err)
}
