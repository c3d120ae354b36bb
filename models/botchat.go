package models

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// BotChat is a group, supergroup or channel the bot is in, learnt from
// my_chat_member updates (the Bot API cannot list a bot's chats).
type BotChat struct {
	bun.BaseModel `bun:"table:bot_chats"`

	BotID          string    `bun:"bot_id,pk"`
	ChatID         int64     `bun:"chat_id,pk"`
	Type           string    `bun:"type"`
	Title          string    `bun:"title"`
	Username       string    `bun:"username"`
	Status         string    `bun:"status"` // the bot's status there: administrator, member, left, kicked
	CanInviteUsers bool      `bun:"can_invite_users"`
	UpdatedAt      time.Time `bun:"updated_at"`

	// The active campaign tracking the chat, filled by AdminChats only.
	CampaignID   string `bun:"campaign_id,scanonly"`
	CampaignName string `bun:"campaign_name,scanonly"`
}

// Pickable reports whether a new campaign can track the chat: the bot may
// create invite links there and no active campaign tracks it yet.
func (c *BotChat) Pickable() bool { return c.CanInviteUsers && c.CampaignID == "" }

// IsAdmin reports whether the bot administers the chat.
func (c *BotChat) IsAdmin() bool { return c.Status == "administrator" || c.Status == "creator" }

// UpsertBotChat records the bot's current status in a chat; an older event
// (by updated_at) never overrides a newer one.
func UpsertBotChat(ctx context.Context, db bun.IDB, c *BotChat) error {
	_, err := db.NewInsert().Model(c).On("CONFLICT (bot_id, chat_id) DO UPDATE").
		Set("type = EXCLUDED.type").Set("title = EXCLUDED.title").Set("username = EXCLUDED.username").
		Set("status = EXCLUDED.status").Set("can_invite_users = EXCLUDED.can_invite_users").
		Set("updated_at = EXCLUDED.updated_at").
		Where("?TableAlias.updated_at <= EXCLUDED.updated_at").
		Exec(ctx)
	return wrap("upsert bot chat", err)
}

// BotChatByID finds one chat of a bot.
func BotChatByID(ctx context.Context, db bun.IDB, botID string, chatID int64) (*BotChat, error) {
	c := new(BotChat)
	err := db.NewSelect().Model(c).Where("bot_id = ?", botID).Where("chat_id = ?", chatID).Scan(ctx)
	return c, wrap("bot chat by id", notFoundAs(err, "chat"))
}
