package models

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// UserEdit is an owner's change to one user's properties and tags: Set
// (string, float64 or bool values) and Unset properties; Tags, when not
// nil, replaces the whole set, then AddTags and RemoveTags apply.
type UserEdit struct {
	Set        map[string]any
	Unset      []string
	Tags       *[]string
	AddTags    []string
	RemoveTags []string
}

// EditUser applies e to a user of a bot (run it in a transaction to
// apply it whole).
func EditUser(ctx context.Context, db bun.IDB, botID string, userID int64, e UserEdit, now time.Time) error {
	props := make([]BotUserProp, 0, len(e.Set))
	for name, v := range e.Set {
		b, err := json.Marshal(v)
		if err != nil {
			return wrap("edit user", err)
		}
		props = append(props, BotUserProp{BotID: botID, UserID: userID, Name: name, Value: string(b), UpdatedAt: now})
	}
	if err := SetUserProps(ctx, db, props); err != nil {
		return err
	}
	if err := DeleteUserProps(ctx, db, botID, userID, e.Unset); err != nil {
		return err
	}
	add := e.AddTags
	if e.Tags != nil {
		q := db.NewDelete().Model((*BotUserTag)(nil)).Where("bot_id = ?", botID).Where("user_id = ?", userID)
		if len(*e.Tags) > 0 {
			q = q.Where("tag NOT IN (?)", bun.In(*e.Tags))
		}
		if _, err := q.Exec(ctx); err != nil {
			return wrap("edit user: tags", err)
		}
		add = append(slices.Clone(*e.Tags), add...)
	}
	tags := make([]BotUserTag, 0, len(add))
	for _, t := range add {
		if !slices.ContainsFunc(tags, func(x BotUserTag) bool { return x.Tag == t }) {
			tags = append(tags, BotUserTag{BotID: botID, UserID: userID, Tag: t, CreatedAt: now})
		}
	}
	if err := AddUserTags(ctx, db, tags); err != nil {
		return err
	}
	return RemoveUserTags(ctx, db, botID, userID, e.RemoveTags)
}

// UserAttributes reads one user's properties (JSON-decoded) and tags
// (sorted).
func UserAttributes(ctx context.Context, db bun.IDB, botID string, userID int64) (map[string]any, []string, error) {
	props := map[string]any{}
	var rows []BotUserProp
	if err := db.NewSelect().Model(&rows).Where("bot_id = ?", botID).Where("user_id = ?", userID).Scan(ctx); err != nil {
		return nil, nil, wrap("user attributes: props", err)
	}
	for _, p := range rows {
		var v any
		if json.Unmarshal([]byte(p.Value), &v) == nil {
			props[p.Name] = v
		}
	}
	tags := []string{}
	err := db.NewSelect().Model((*BotUserTag)(nil)).Column("tag").Where("bot_id = ?", botID).Where("user_id = ?", userID).
		Order("tag ASC").Scan(ctx, &tags)
	return props, tags, wrap("user attributes: tags", err)
}
