package models

import (
	"context"
	"database/sql"
	"time"

	"github.com/botdeck/botdeck/internal/sqldialect"

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
		// No RETURNING (bun would add one for the NULL columns): a statement
		// without rows is sent as a simple query, never cached as a prepared
		// statement (see importProfiles).
		res, err := db.NewInsert().Model(&fresh).On("CONFLICT (bot_id, user_id) DO NOTHING").Returning("NULL").Exec(ctx)
		if err != nil {
			return 0, 0, wrap("import users: insert", err)
		}
		n, _ := res.RowsAffected()
		created = int(n)
		if created < len(fresh) {
			// Someone wrote to the bot meanwhile: the users this insert did
			// not create (imported_at is not now) are updated like the others.
			raced := make([]int64, len(fresh))
			for i, u := range fresh {
				raced[i] = u.UserID
			}
			more, err := importProfiles(ctx, db, botID, raced)
			if err != nil {
				return 0, 0, err
			}
			for id, u := range more {
				if u.ImportedAt == nil || !u.ImportedAt.Equal(now) {
					known[id] = u
				}
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
//
// On PostgreSQL the ids go as one array parameter of a fixed statement:
// bun writes values into the SQL text, and pgx keeps a prepared statement
// (client and server side, up to 512 per connection) for every distinct
// text it queries, so a million-row import reading 1,000 ids per batch
// would fill that cache with 1,000 statements of 10 KB each.
func importProfiles(ctx context.Context, db bun.IDB, botID string, ids []int64) (map[int64]*BotUser, error) {
	var have []BotUser
	var err error
	if raw := rawQuerier(db); raw != nil && sqldialect.IsPostgres(db) {
		err = scanProfiles(ctx, raw, botID, ids, &have)
	} else {
		err = db.NewSelect().Model(&have).Column("bot_id", "user_id", "username", "first_name", "last_name", "language_code", "is_premium", "imported_at").
			Where("bot_id = ?", botID).Where("user_id IN (?)", bun.In(ids)).Scan(ctx)
	}
	if err != nil {
		return nil, wrap("import users: read", err)
	}
	out := make(map[int64]*BotUser, len(have))
	for i := range have {
		out[have[i].UserID] = &have[i]
	}
	return out, nil
}

// querier is what *sql.DB, *sql.Tx and *sql.Conn share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// rawQuerier is the database/sql handle under db, or nil.
func rawQuerier(db bun.IDB) querier {
	switch d := db.(type) {
	case *bun.DB:
		return d.DB
	case bun.Tx:
		return d.Tx
	case *bun.Tx:
		return d.Tx
	case bun.Conn:
		return d.Conn
	}
	return nil
}

func scanProfiles(ctx context.Context, q querier, botID string, ids []int64, into *[]BotUser) error {
	rows, err := q.QueryContext(ctx, `SELECT user_id, username, first_name, last_name, language_code, is_premium, imported_at
		FROM bot_users WHERE bot_id = $1 AND user_id = ANY($2)`, botID, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		u := BotUser{BotID: botID}
		var imported sql.NullTime
		if err := rows.Scan(&u.UserID, &u.Username, &u.FirstName, &u.LastName, &u.LanguageCode, &u.IsPremium, &imported); err != nil {
			return err
		}
		if imported.Valid {
			t := imported.Time.UTC()
			u.ImportedAt = &t
		}
		*into = append(*into, u)
	}
	return rows.Err()
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
