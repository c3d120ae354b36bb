package models

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// NeverSeen is the last_seen_at of a user an import created who has not
// talked to the bot since: before any real activity, so the user counts
// as active in no period, and sorts last by last seen.
var NeverSeen = time.Unix(0, 0).UTC()

// Seen reports whether the user has been active with the bot (an imported
// user is not until they write to it).
func (u *BotUser) Seen() bool { return u.LastSeenAt.After(NeverSeen) }

// ImportProp is one property of an imported row: its name and JSON value.
type ImportProp struct {
	Name, Value string
}

// ImportRow is one user of an import: the profile fields the file gives
// ("" keeps what is stored), properties (JSON values) and tags to add.
type ImportRow struct {
	UserID    int64
	Username  string
	FirstName string
	LastName  string
	Language  string
	Props     []ImportProp
	Tags      []string
}

// ImportUsers writes one batch of an import (distinct user ids): new
// users are created with imported_at = now, started_at = now and
// last_seen_at = NeverSeen, and counted in bots.total_users; existing
// users get the profile fields the rows give; properties are set and tags
// added. It returns how many users it created and how many existed. Run
// it in a transaction.
func ImportUsers(ctx context.Context, db bun.IDB, botID string, rows []ImportRow, now time.Time) (created, existed int, err error) {
	if len(rows) == 0 {
		return 0, 0, nil
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].UserID
	}
	known, err := importProfiles(ctx, db, botID, ids)
	if err != nil {
		return 0, 0, err
	}
	var fresh []BotUser
	for i := range rows {
		if _, ok := known[rows[i].UserID]; !ok {
			u := merged(&BotUser{BotID: botID, UserID: rows[i].UserID}, &rows[i])
			u.StartedAt, u.LastSeenAt, u.ImportedAt = now, NeverSeen, &now
			fresh = append(fresh, *u)
		}
	}
	if len(fresh) > 0 {
		var inserted []int64
		_, err := db.NewInsert().Model(&fresh).On("CONFLICT (bot_id, user_id) DO NOTHING").Returning("user_id").Exec(ctx, &inserted)
		if err != nil {
			return 0, 0, wrap("import users: insert", err)
		}
		created = len(inserted)
		if created < len(fresh) {
			// Someone wrote to the bot meanwhile: update those like the others.
			done := make(map[int64]bool, created)
			for _, id := range inserted {
				done[id] = true
			}
			var raced []int64
			for _, u := range fresh {
				if !done[u.UserID] {
					raced = append(raced, u.UserID)
				}
			}
			more, err := importProfiles(ctx, db, botID, raced)
			if err != nil {
				return 0, 0, err
			}
			for id, u := range more {
				known[id] = u
			}
		}
	}
	var changed []BotUser
	for i := range rows {
		old, ok := known[rows[i].UserID]
		if !ok {
			continue
		}
		existed++
		if u := merged(old, &rows[i]); !u.SameProfile(old) {
			changed = append(changed, *u)
		}
	}
	if len(changed) > 0 {
		_, err := db.NewUpdate().With("_data", db.NewValues(&changed)).Model((*BotUser)(nil)).TableExpr("_data").
			Set("username = _data.username").Set("first_name = _data.first_name").Set("last_name = _data.last_name").
			Set("name = _data.name").Set("language_code = _data.language_code").Set("search_key = _data.search_key").
			Where("bot_user.bot_id = _data.bot_id").Where("bot_user.user_id = _data.user_id").Exec(ctx)
		if err != nil {
			return 0, 0, wrap("import users: update", err)
		}
	}
	var props []BotUserProp
	var tags []BotUserTag
	for i := range rows {
		for _, p := range rows[i].Props {
			props = append(props, BotUserProp{BotID: botID, UserID: rows[i].UserID, Name: p.Name, Value: p.Value, UpdatedAt: now})
		}
		for _, t := range rows[i].Tags {
			tags = append(tags, BotUserTag{BotID: botID, UserID: rows[i].UserID, Tag: t, CreatedAt: now})
		}
	}
	if err := SetUserProps(ctx, db, props); err != nil {
		return 0, 0, err
	}
	if err := AddUserTags(ctx, db, tags); err != nil {
		return 0, 0, err
	}
	// The bot's row last, as the update pipeline does: its users first,
	// then the counter.
	if created > 0 {
		_, err := db.NewUpdate().Model((*Bot)(nil)).Set("total_users = total_users + ?", created).Where("id = ?", botID).Exec(ctx)
		if err != nil {
			return 0, 0, wrap("import users: count", err)
		}
	}
	return created, existed, nil
}

// importProfiles reads the stored profile fields of the users among ids.
func importProfiles(ctx context.Context, db bun.IDB, botID string, ids []int64) (map[int64]*BotUser, error) {
	var have []BotUser
	err := db.NewSelect().Model(&have).Column("bot_id", "user_id", "username", "first_name", "last_name", "language_code", "is_premium").
		Where("bot_id = ?", botID).Where("user_id IN (?)", bun.In(ids)).Scan(ctx)
	if err != nil {
		return nil, wrap("import users: read", err)
	}
	out := make(map[int64]*BotUser, len(have))
	for i := range have {
		out[have[i].UserID] = &have[i]
	}
	return out, nil
}

// merged is u with the fields r gives.
func merged(u *BotUser, r *ImportRow) *BotUser {
	m := *u
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&m.Username, r.Username)
	set(&m.FirstName, r.FirstName)
	set(&m.LastName, r.LastName)
	set(&m.LanguageCode, r.Language)
	m.Name = FullName(m.FirstName, m.LastName)
	m.SearchKey = SearchKey(m.FirstName, m.LastName, m.Username)
	return &m
}
