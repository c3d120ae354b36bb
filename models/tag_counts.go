package models

import (
	"context"

	"github.com/uptrace/bun"
)

// BotTagCount is how many of a bot's users carry a tag. The rows are kept
// by database triggers on bot_user_tags (migration tag_counts), in the
// transaction of every statement that adds or removes tags, including the
// cascades of user erasure and bot deletion: no writer maintains them by
// hand. A tag nobody carries any more keeps a row at zero.
type BotTagCount struct {
	bun.BaseModel `bun:"table:bot_tag_counts"`

	BotID string `bun:"bot_id,pk"`
	Tag   string `bun:"tag,pk"`
	Users int64  `bun:"users"`
}

// TagUserCounts returns how many users carry each of tags (a tag nobody
// carries is absent), in one lookup on the counters' primary key.
func TagUserCounts(ctx context.Context, db bun.IDB, botID string, tags []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(tags) == 0 {
		return out, nil
	}
	var rows []BotTagCount
	err := db.NewSelect().Model(&rows).Where("bot_id = ?", botID).Where("tag IN (?)", bun.In(tags)).
		Where("users > 0").Scan(ctx)
	if err != nil {
		return nil, wrap("tag user counts", err)
	}
	for _, r := range rows {
		out[r.Tag] = r.Users
	}
	return out, nil
}

// TagCountDrift is a counter that disagrees with the tags it counts.
type TagCountDrift struct {
	BotID, Tag      string
	Counted, Actual int64
}

// CheckTagCounts recomputes every tag counter from bot_user_tags and
// returns those that disagree (none, unless something wrote around the
// triggers). A consistency check for tests and operators: it reads every
// tag row.
func CheckTagCounts(ctx context.Context, db bun.IDB) ([]TagCountDrift, error) {
	var drift []TagCountDrift
	err := db.NewRaw(`SELECT coalesce(c.bot_id, a.bot_id) AS bot_id, coalesce(c.tag, a.tag) AS tag,
			coalesce(c.users, 0) AS counted, coalesce(a.n, 0) AS actual
		FROM bot_tag_counts c
		FULL OUTER JOIN (SELECT bot_id, tag, count(*) AS n FROM bot_user_tags GROUP BY bot_id, tag) a
			ON a.bot_id = c.bot_id AND a.tag = c.tag
		WHERE coalesce(c.users, 0) <> coalesce(a.n, 0)
		ORDER BY 1, 2`).Scan(ctx, &drift)
	return drift, wrap("check tag counts", err)
}
