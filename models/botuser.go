package models

import (
	"context"
	"strings"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/uptrace/bun"
)

// BotUser is one person in a bot's audience: someone who talked to the bot
// in a private chat (a message, /start, a button press, blocking or
// unblocking it). People seen only in groups are not bot users: the bot
// cannot message them.
type BotUser struct {
	bun.BaseModel `bun:"table:bot_users"`

	BotID               string     `bun:"bot_id,pk"`
	UserID              int64      `bun:"user_id,pk"`
	Username            string     `bun:"username"`
	FirstName           string     `bun:"first_name"`
	LastName            string     `bun:"last_name"`
	Name                string     `bun:"name"` // first and last name, for search and sort
	LanguageCode        string     `bun:"language_code"`
	IsPremium           bool       `bun:"is_premium"`
	StartedAt           time.Time  `bun:"started_at"`
	LastSeenAt          time.Time  `bun:"last_seen_at"`
	Blocked             bool       `bun:"blocked"`     // blocked by the bot's owner in Botdeck
	BotBlocked          bool       `bun:"bot_blocked"` // the user blocked the bot in Telegram
	BotBlockedChangedAt *time.Time `bun:"bot_blocked_changed_at"`
	SearchKey           string     `bun:"search_key"`  // SearchKey(first, last, username), set on every write
	ImportedAt          *time.Time `bun:"imported_at"` // set when a CSV import created the user (botuser_import.go)
	Source              string     `bun:"source"`      // the deep-link source of their first /start, "" when none (source.go sets it)
}

var _ bun.BeforeAppendModelHook = (*BotUser)(nil)

// BeforeAppendModel keeps search_key in step with the names it is made of.
func (u *BotUser) BeforeAppendModel(_ context.Context, query bun.Query) error {
	switch query.(type) {
	case *bun.InsertQuery, *bun.UpdateQuery:
		if u != nil {
			u.SearchKey = SearchKey(u.FirstName, u.LastName, u.Username)
		}
	}
	return nil
}

// FullName joins first and last name.
func FullName(first, last string) string { return strings.TrimSpace(first + " " + last) }

// SetBotBlocked records that the user blocked (or unblocked) the bot, as of
// at; an older event never overrides a newer one.
func SetBotBlocked(ctx context.Context, db bun.IDB, botID string, userID int64, blocked bool, at time.Time) error {
	_, err := db.NewUpdate().Model((*BotUser)(nil)).Set("bot_blocked = ?", blocked).Set("bot_blocked_changed_at = ?", at).
		Where("bot_id = ?", botID).Where("user_id = ?", userID).
		Where("(bot_blocked_changed_at IS NULL OR bot_blocked_changed_at <= ?)", at).Exec(ctx)
	return wrap("set bot blocked", err)
}

// BotUserByID finds one user of a bot.
func BotUserByID(ctx context.Context, db bun.IDB, botID string, userID int64) (*BotUser, error) {
	u := new(BotUser)
	err := db.NewSelect().Model(u).Where("bot_id = ?", botID).Where("user_id = ?", userID).Scan(ctx)
	return u, wrap("bot user by id", notFoundAs(err, "user"))
}

// SetUserBlocked sets the owner's block on a user.
func SetUserBlocked(ctx context.Context, db bun.IDB, botID string, userID int64, blocked bool) (*BotUser, error) {
	res, err := db.NewUpdate().Model((*BotUser)(nil)).Set("blocked = ?", blocked).
		Where("bot_id = ?", botID).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return nil, wrap("set user blocked", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, wrap("set user blocked", apperr.NotFound("user"))
	}
	return BotUserByID(ctx, db, botID, userID)
}

// BotUsersByIDs loads the users of a bot among ids.
func BotUsersByIDs(ctx context.Context, db bun.IDB, botID string, ids []int64) (map[int64]*BotUser, error) {
	var rows []BotUser
	if err := db.NewSelect().Model(&rows).Where("bot_id = ?", botID).Where("user_id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, wrap("bot users by ids", err)
	}
	out := make(map[int64]*BotUser, len(rows))
	for i := range rows {
		out[rows[i].UserID] = &rows[i]
	}
	return out, nil
}

// InsertBotUsersIfNew adds users the bot does not know yet, in one
// statement, and returns the ids it inserted (a user another processor
// inserted meanwhile is not among them).
func InsertBotUsersIfNew(ctx context.Context, db bun.IDB, users []*BotUser) ([]int64, error) {
	var inserted []int64
	if len(users) == 0 {
		return nil, nil
	}
	_, err := db.NewInsert().Model(&users).On("CONFLICT (bot_id, user_id) DO NOTHING").Returning("user_id").Exec(ctx, &inserted)
	return inserted, wrap("insert bot users if new", err)
}

// MarkActiveOn moves last_seen_at to seen for the users among ids not yet
// seen on or after dayStart and returns them: their first activity of that
// day, counted once however many processors race.
func MarkActiveOn(ctx context.Context, db bun.IDB, botID string, ids []int64, dayStart, seen time.Time) ([]int64, error) {
	var marked []int64
	_, err := db.NewUpdate().Model((*BotUser)(nil)).Set("last_seen_at = ?", seen).
		Where("bot_id = ?", botID).Where("user_id IN (?)", bun.In(ids)).Where("last_seen_at < ?", dayStart).
		Returning("user_id").Exec(ctx, &marked)
	return marked, wrap("mark active on", err)
}

// TouchBotUsers moves last_seen_at forward to seen (never back).
func TouchBotUsers(ctx context.Context, db bun.IDB, botID string, ids []int64, seen time.Time) error {
	_, err := db.NewUpdate().Model((*BotUser)(nil)).Set("last_seen_at = ?", seen).
		Where("bot_id = ?", botID).Where("user_id IN (?)", bun.In(ids)).Where("last_seen_at < ?", seen).Exec(ctx)
	return wrap("touch bot users", err)
}

// UpdateBotUserProfile stores changed profile fields (names, username,
// language, premium).
func UpdateBotUserProfile(ctx context.Context, db bun.IDB, u *BotUser) error {
	_, err := db.NewUpdate().Model(u).Column("username", "first_name", "last_name", "name", "language_code", "is_premium", "search_key").
		WherePK().Exec(ctx)
	return wrap("update bot user profile", err)
}

// SameProfile reports whether two records carry the same profile fields.
func (u *BotUser) SameProfile(o *BotUser) bool {
	return u.Username == o.Username && u.FirstName == o.FirstName && u.LastName == o.LastName &&
		u.LanguageCode == o.LanguageCode && u.IsPremium == o.IsPremium
}

// InsertBotUserIfNew adds one user unless the bot already knows them, and
// reports whether it did.
func InsertBotUserIfNew(ctx context.Context, db bun.IDB, u *BotUser) (bool, error) {
	ids, err := InsertBotUsersIfNew(ctx, db, []*BotUser{u})
	return len(ids) == 1, wrap("insert bot user if new", err)
}
