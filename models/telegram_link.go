package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// MemberTelegramLink is the Telegram account a member linked, through the
// bot they opened the link with (notifications and test broadcasts reach
// them there).
type MemberTelegramLink struct {
	bun.BaseModel `bun:"table:member_telegram"`

	UserID         string    `bun:"user_id,pk"`
	BotID          string    `bun:"bot_id"`
	TelegramUserID int64     `bun:"telegram_user_id"`
	Username       string    `bun:"username"`
	FirstName      string    `bun:"first_name"`
	LinkedAt       time.Time `bun:"linked_at"`
}

// TelegramLinkToken is a pending link, stored by the hash of its token.
type TelegramLinkToken struct {
	bun.BaseModel `bun:"table:telegram_link_tokens"`

	TokenHash string    `bun:"token_hash,pk"`
	UserID    string    `bun:"user_id"`
	BotID     string    `bun:"bot_id"`
	ExpiresAt time.Time `bun:"expires_at"`
}

// MemberTelegram returns the member's linked Telegram account, or nil when
// they have not linked one.
func MemberTelegram(ctx context.Context, db bun.IDB, userID string) (*MemberTelegramLink, error) {
	var l MemberTelegramLink
	err := db.NewSelect().Model(&l).Where("user_id = ?", userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("member telegram", err)
	}
	return &l, nil
}

// MembersTelegram returns the linked accounts of the given members (those
// without one are absent from the map).
func MembersTelegram(ctx context.Context, db bun.IDB, userIDs []string) (map[string]*MemberTelegramLink, error) {
	out := map[string]*MemberTelegramLink{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []*MemberTelegramLink
	if err := db.NewSelect().Model(&rows).Where("user_id IN (?)", bun.In(userIDs)).Scan(ctx); err != nil {
		return nil, wrap("members telegram", err)
	}
	for _, l := range rows {
		out[l.UserID] = l
	}
	return out, nil
}

// SaveMemberTelegram links (or re-links) a member's Telegram account.
func SaveMemberTelegram(ctx context.Context, db bun.IDB, l *MemberTelegramLink) error {
	_, err := db.NewInsert().Model(l).
		On("CONFLICT (user_id) DO UPDATE").
		Set("bot_id = EXCLUDED.bot_id, telegram_user_id = EXCLUDED.telegram_user_id").
		Set("username = EXCLUDED.username, first_name = EXCLUDED.first_name, linked_at = EXCLUDED.linked_at").
		Exec(ctx)
	return wrap("save member telegram", err)
}

// DeleteMemberTelegram unlinks the member's Telegram account and voids
// their pending links; it reports whether there was a link.
func DeleteMemberTelegram(ctx context.Context, db bun.IDB, userID string) (bool, error) {
	if _, err := db.NewDelete().Model((*TelegramLinkToken)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return false, wrap("delete telegram link tokens", err)
	}
	res, err := db.NewDelete().Model((*MemberTelegramLink)(nil)).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return false, wrap("delete member telegram", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// InsertTelegramLinkToken stores a pending link; the member's older pending
// links, and expired ones of anybody, are removed.
func InsertTelegramLinkToken(ctx context.Context, db bun.IDB, t *TelegramLinkToken, now time.Time) error {
	_, err := db.NewDelete().Model((*TelegramLinkToken)(nil)).
		WhereGroup(" AND ", func(q *bun.DeleteQuery) *bun.DeleteQuery {
			return q.Where("user_id = ?", t.UserID).WhereOr("expires_at <= ?", now)
		}).Exec(ctx)
	if err != nil {
		return wrap("delete old telegram link tokens", err)
	}
	_, err = db.NewInsert().Model(t).Exec(ctx)
	return wrap("insert telegram link token", err)
}

// ClaimTelegramLinkToken uses up the pending link with tokenHash for botID
// and returns its member's id, or "" when there is no such usable link
// (unknown, expired, for another bot, or already used). One DELETE …
// RETURNING, so of two concurrent uses only one gets it.
func ClaimTelegramLinkToken(ctx context.Context, db bun.IDB, tokenHash, botID string, now time.Time) (string, error) {
	var userID string
	err := db.NewDelete().Model((*TelegramLinkToken)(nil)).
		Where("token_hash = ?", tokenHash).Where("bot_id = ?", botID).Where("expires_at > ?", now).
		Returning("user_id").Scan(ctx, &userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return userID, wrap("claim telegram link token", err)
}
