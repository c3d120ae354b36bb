package models

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
)

// TagUsers adds each tag of add to, and removes each tag of remove from,
// every user of a bot matching f (its IDs, or every user the filter
// matches), set-based: one INSERT … SELECT per added tag and one
// DELETE … WHERE for the removed ones, whatever the number of users. The
// users are chosen by whereBotUsers, so "all matching" tags exactly the
// users the list, its count and the CSV show. changed is the number of
// tags added or removed (a user who already had an added tag, or lacked a
// removed one, does not count). Run it in a transaction to apply it whole.
func TagUsers(ctx context.Context, db bun.IDB, botID string, f BotUserFilter, add, remove []string, now time.Time) (int64, error) {
	var changed int64
	for _, tag := range add {
		sel := whereBotUsers(db.NewSelect().Model((*BotUser)(nil)).
			ColumnExpr("?TableAlias.bot_id, ?TableAlias.user_id, ?, ?", tag, now.UTC()), botID, f)
		// The SELECT always has a WHERE (bot_id), which SQLite needs to
		// parse an upsert after an INSERT … SELECT.
		res, err := db.NewRaw("INSERT INTO bot_user_tags (bot_id, user_id, tag, created_at) ? ON CONFLICT (bot_id, user_id, tag) DO NOTHING", sel).
			Exec(ctx)
		if err != nil {
			return 0, wrap("tag users", err)
		}
		n, _ := res.RowsAffected()
		changed += n
	}
	if len(remove) > 0 {
		sel := whereBotUsers(db.NewSelect().Model((*BotUser)(nil)).Column("user_id"), botID, f)
		res, err := db.NewDelete().Model((*BotUserTag)(nil)).Where("bot_id = ?", botID).Where("tag IN (?)", bun.In(remove)).
			Where("user_id IN (?)", sel).Exec(ctx)
		if err != nil {
			return 0, wrap("untag users", err)
		}
		n, _ := res.RowsAffected()
		changed += n
	}
	return changed, nil
}

// TagCount is a tag and how many of the bot's users have it.
type TagCount struct {
	Name  string `bun:"tag"`
	Users int64  `bun:"users"`
}

// BotTags returns the window w of a bot's tags, most used first (then by
// name), and how many tags the bot has, read from the tag counters
// (BotTagCount) rather than by counting the tags' rows.
func BotTags(ctx context.Context, db bun.IDB, botID string, w Window) ([]TagCount, int, error) {
	tags := []TagCount{}
	err := db.NewSelect().Model((*BotTagCount)(nil)).ColumnExpr("tag, users").Where("bot_id = ?", botID).Where("users > 0").
		OrderExpr("users DESC, tag ASC").Limit(int64(w.Limit)).Offset(int64(w.Offset)).Scan(ctx, &tags)
	if err != nil {
		return nil, 0, wrap("bot tags", err)
	}
	if w.Offset == 0 && len(tags) < w.Limit {
		return tags, len(tags), nil
	}
	n, err := db.NewSelect().Model((*BotTagCount)(nil)).Where("bot_id = ?", botID).Where("users > 0").Count(ctx)
	return tags, int(n), wrap("bot tags: count", err)
}

// PropertyNames returns up to limit of the property names a bot's users
// have, by name.
func PropertyNames(ctx context.Context, db bun.IDB, botID string, limit int) ([]string, error) {
	names := []string{}
	err := db.NewSelect().Model((*BotUserProp)(nil)).Distinct().Column("name").Where("bot_id = ?", botID).
		Order("name ASC").Limit(int64(limit)).Scan(ctx, &names)
	return names, wrap("property names", err)
}

// UsersProps reads the properties named names of some of a bot's users:
// user id → name → value (JSON-decoded), in one query.
func UsersProps(ctx context.Context, db bun.IDB, botID string, userIDs []int64, names []string) (map[int64]map[string]any, error) {
	out := map[int64]map[string]any{}
	if len(userIDs) == 0 || len(names) == 0 {
		return out, nil
	}
	var rows []BotUserProp
	err := db.NewSelect().Model(&rows).Where("bot_id = ?", botID).Where("user_id IN (?)", bun.In(userIDs)).
		Where("name IN (?)", bun.In(names)).Scan(ctx)
	if err != nil {
		return nil, wrap("users props", err)
	}
	for _, p := range rows {
		var v any
		if json.Unmarshal([]byte(p.Value), &v) != nil {
			continue
		}
		if out[p.UserID] == nil {
			out[p.UserID] = map[string]any{}
		}
		out[p.UserID][p.Name] = v
	}
	return out, nil
}

// UsersTags reads the tags of some of a bot's users, in one query: user id
// → its tags, sorted (a user without tags is absent).
func UsersTags(ctx context.Context, db bun.IDB, botID string, userIDs []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []BotUserTag
	err := db.NewSelect().Model(&rows).Column("user_id", "tag").Where("bot_id = ?", botID).
		Where("user_id IN (?)", bun.In(userIDs)).Order("user_id ASC", "tag ASC").Scan(ctx)
	if err != nil {
		return nil, wrap("users tags", err)
	}
	for _, t := range rows {
		out[t.UserID] = append(out[t.UserID], t.Tag)
	}
	return out, nil
}
