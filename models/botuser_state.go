package models

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
)

// UserState is what replies need to know about a bot user to answer them.
type UserState struct {
	UserID   int64           `bun:"user_id"`
	Blocked  bool            `bun:"blocked"`  // blocked by the owner: never answered
	Awaiting string          `bun:"awaiting"` // the reply whose ask they are answering, "" when none
	Source   string          `bun:"source"`
	Props    map[string]any  `bun:"-"` // string, float64, bool or nil
	Tags     map[string]bool `bun:"-"`
}

// BotUserProp is one property of a bot user; Value is JSON.
type BotUserProp struct {
	bun.BaseModel `bun:"table:bot_user_props"`

	BotID     string    `bun:"bot_id,pk"`
	UserID    int64     `bun:"user_id,pk"`
	Name      string    `bun:"name,pk"`
	Value     string    `bun:"value"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// BotUserTag is one tag of a bot user.
type BotUserTag struct {
	bun.BaseModel `bun:"table:bot_user_tags"`

	BotID     string    `bun:"bot_id,pk"`
	UserID    int64     `bun:"user_id,pk"`
	Tag       string    `bun:"tag,pk"`
	CreatedAt time.Time `bun:"created_at"`
}

// UserStates reads the states of a bot's users (those that exist), with
// their properties and tags, in three queries however many users.
func UserStates(ctx context.Context, db bun.IDB, botID string, userIDs []int64) (map[int64]*UserState, error) {
	out := map[int64]*UserState{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []UserState
	err := db.NewSelect().Model((*BotUser)(nil)).Column("user_id", "blocked", "awaiting", "source").
		Where("bot_id = ?", botID).Where("user_id IN (?)", bun.In(userIDs)).Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("user states", err)
	}
	for i := range rows {
		rows[i].Props, rows[i].Tags = map[string]any{}, map[string]bool{}
		out[rows[i].UserID] = &rows[i]
	}
	var props []BotUserProp
	if err := db.NewSelect().Model(&props).Where("bot_id = ?", botID).Where("user_id IN (?)", bun.In(userIDs)).Scan(ctx); err != nil {
		return nil, wrap("user states: props", err)
	}
	for _, p := range props {
		if s := out[p.UserID]; s != nil {
			var v any
			if json.Unmarshal([]byte(p.Value), &v) == nil {
				s.Props[p.Name] = v
			}
		}
	}
	var tags []BotUserTag
	if err := db.NewSelect().Model(&tags).Where("bot_id = ?", botID).Where("user_id IN (?)", bun.In(userIDs)).Scan(ctx); err != nil {
		return nil, wrap("user states: tags", err)
	}
	for _, t := range tags {
		if s := out[t.UserID]; s != nil {
			s.Tags[t.Tag] = true
		}
	}
	return out, nil
}

// SetAwaiting records the reply whose ask a user is answering ("" for
// none).
func SetAwaiting(ctx context.Context, db bun.IDB, botID string, userID int64, replyID string) error {
	_, err := db.NewUpdate().Model((*BotUser)(nil)).Set("awaiting = ?", replyID).
		Where("bot_id = ?", botID).Where("user_id = ?", userID).Exec(ctx)
	return wrap("set awaiting", err)
}

// SetUserProps saves properties (JSON values), replacing older values.
func SetUserProps(ctx context.Context, db bun.IDB, props []BotUserProp) error {
	if len(props) == 0 {
		return nil
	}
	_, err := db.NewInsert().Model(&props).
		On("CONFLICT (bot_id, user_id, name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at").Exec(ctx)
	return wrap("set user props", err)
}

// DeleteUserProps removes properties of one user.
func DeleteUserProps(ctx context.Context, db bun.IDB, botID string, userID int64, names []string) error {
	if len(names) == 0 {
		return nil
	}
	_, err := db.NewDelete().Model((*BotUserProp)(nil)).Where("bot_id = ?", botID).Where("user_id = ?", userID).
		Where("name IN (?)", bun.In(names)).Exec(ctx)
	return wrap("delete user props", err)
}

// AddUserTags tags users (a tag they have is kept as is).
func AddUserTags(ctx context.Context, db bun.IDB, tags []BotUserTag) error {
	if len(tags) == 0 {
		return nil
	}
	_, err := db.NewInsert().Model(&tags).On("CONFLICT (bot_id, user_id, tag) DO NOTHING").Exec(ctx)
	return wrap("add user tags", err)
}

// RemoveUserTags removes tags of one user.
func RemoveUserTags(ctx context.Context, db bun.IDB, botID string, userID int64, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	_, err := db.NewDelete().Model((*BotUserTag)(nil)).Where("bot_id = ?", botID).Where("user_id = ?", userID).
		Where("tag IN (?)", bun.In(tags)).Exec(ctx)
	return wrap("remove user tags", err)
}

// BotRepliesKey is what decides whether a bot's compiled replies are
// fresh: its username (for /cmd@bot) and its replies version.
type BotRepliesKey struct {
	Username string `bun:"username"`
	Version  int64  `bun:"replies_version"`
}

// RepliesKeyOf reads a bot's BotRepliesKey.
func RepliesKeyOf(ctx context.Context, db bun.IDB, botID string) (BotRepliesKey, error) {
	var k BotRepliesKey
	err := db.NewSelect().Model((*Bot)(nil)).Column("username", "replies_version").Where("id = ?", botID).Scan(ctx, &k)
	return k, wrap("replies key", notFoundAs(err, "bot"))
}

// CountReplyUses adds n uses of a reply at at (the answers of one batch).
func CountReplyUses(ctx context.Context, db bun.IDB, botID, replyID string, n int, at time.Time) error {
	_, err := db.NewUpdate().Model((*Reply)(nil)).Set("uses = uses + ?", n).
		Set("last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < ? THEN ? ELSE last_used_at END", at, at).
		Where("bot_id = ?", botID).Where("id = ?", replyID).Exec(ctx)
	return wrap("count reply uses", err)
}
