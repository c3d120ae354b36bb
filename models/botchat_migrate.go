package models

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"
)

// MigrateChat moves what Botdeck knows of a group to the supergroup it
// became (Telegram gives it a new id): the bot's chat record (the group's
// id disappears from the admin chats), its campaigns (they go on counting
// joins, which Telegram now reports under the new id), the joins counted
// outside campaigns and queued campaign actions. It is idempotent: both
// service messages of a migration call it. An active campaign stays on
// the old id only if the supergroup already has one (one active campaign
// per chat).
func MigrateChat(ctx context.Context, db bun.IDB, botID string, from, to int64, title string) error {
	old := new(BotChat)
	err := db.NewSelect().Model(old).Where("bot_id = ?", botID).Where("chat_id = ?", from).Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return wrap("migrate chat", err)
	}
	if err == nil {
		moved := *old
		moved.ChatID, moved.Type = to, "supergroup"
		if title != "" {
			moved.Title = title
		}
		// A record of the supergroup itself (its my_chat_member) is newer: keep it.
		if _, err := db.NewInsert().Model(&moved).On("CONFLICT (bot_id, chat_id) DO NOTHING").Exec(ctx); err != nil {
			return wrap("migrate chat", err)
		}
		if _, err := db.NewDelete().Model((*BotChat)(nil)).Where("bot_id = ?", botID).Where("chat_id = ?", from).Exec(ctx); err != nil {
			return wrap("migrate chat", err)
		}
	}
	activeThere := db.NewSelect().TableExpr("campaigns AS other").ColumnExpr("1").
		Where("other.bot_id = ?", botID).Where("other.chat_id = ?", to).Where("other.status = ?", CampaignActive)
	q := db.NewUpdate().Model((*Campaign)(nil)).Set("chat_id = ?", to).Set("updated_at = ?", Now()).
		Where("bot_id = ?", botID).Where("chat_id = ?", from).
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("status <> ?", CampaignActive).WhereOr("NOT EXISTS (?)", activeThere)
		})
	if _, err := q.Exec(ctx); err != nil {
		return wrap("migrate chat", err)
	}
	if title != "" {
		// Through the model, so search_key follows the new title.
		var moved []Campaign
		if err := db.NewSelect().Model(&moved).Where("bot_id = ?", botID).Where("chat_id = ?", to).Where("chat_title <> ?", title).Scan(ctx); err != nil {
			return wrap("migrate chat", err)
		}
		for i := range moved {
			moved[i].ChatTitle = title
			if err := UpdateCampaignColumns(ctx, db, &moved[i], "chat_title"); err != nil {
				return err
			}
		}
	}
	if _, err := db.NewRaw(`INSERT INTO chat_other_joins (bot_id, chat_id, day, joins)
		SELECT bot_id, ?, day, joins FROM chat_other_joins WHERE bot_id = ? AND chat_id = ?
		ON CONFLICT (bot_id, chat_id, day) DO UPDATE SET joins = chat_other_joins.joins + EXCLUDED.joins`, to, botID, from).Exec(ctx); err != nil {
		return wrap("migrate chat", err)
	}
	if _, err := db.NewRaw(`DELETE FROM chat_other_joins WHERE bot_id = ? AND chat_id = ?`, botID, from).Exec(ctx); err != nil {
		return wrap("migrate chat", err)
	}
	_, err = db.NewRaw(`UPDATE campaign_actions SET chat_id = ? WHERE bot_id = ? AND chat_id = ?`, to, botID, from).Exec(ctx)
	return wrap("migrate chat", err)
}
