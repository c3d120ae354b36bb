package models

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Bot statuses. "connecting" rows are claims held while Telegram is being
// set up for a new or restored bot; they are never shown.
const (
	BotActive     = "active"
	BotStopped    = "stopped"
	BotWarning    = "warning"
	BotError      = "error"
	BotDeleted    = "deleted"
	BotConnecting = "connecting"
)

// BotStatuses are the statuses a user can filter by, in tab order.
var BotStatuses = []string{BotActive, BotStopped, BotWarning, BotError, BotDeleted}

// Update modes.
const (
	ModeWebhook = "webhook"
	ModePolling = "polling"
)

// Bot is a Telegram bot connected to an account.
type Bot struct {
	bun.BaseModel `bun:"table:bots"`

	ID               string     `bun:"id,pk"`
	OwnerID          string     `bun:"owner_id"`
	TelegramID       int64      `bun:"telegram_id"`
	Username         string     `bun:"username"`
	Name             string     `bun:"name"`
	SearchKey        string     `bun:"search_key"` // SearchKey(name, username), set on every write
	TokenCiphertext  []byte     `bun:"token_ciphertext"`
	TokenHash        string     `bun:"token_hash"`
	TokenMasked      string     `bun:"token_masked"`
	Status           string     `bun:"status"`
	StatusReason     string     `bun:"status_reason"`
	UpdateMode       string     `bun:"update_mode"`
	WebhookSecret    string     `bun:"webhook_secret"`
	WebhookURL       string     `bun:"webhook_url"`
	WebhookSet       bool       `bun:"webhook_set"`
	WebhookError     string     `bun:"webhook_error"` // why Telegram cannot deliver (getWebhookInfo), "" when fine
	WebhookCheckedAt *time.Time `bun:"webhook_checked_at"`
	Description      string     `bun:"description"`
	Tags             []string   `bun:"tags"`
	TotalUsers       int64      `bun:"total_users"`
	CodeVersion      int        `bun:"code_version"`
	CodeUpdatedAt    *time.Time `bun:"code_updated_at"`
	CreatedAt        time.Time  `bun:"created_at"`
	UpdatedAt        time.Time  `bun:"updated_at"`
	DeletedAt        *time.Time `bun:"deleted_at"`
	LastUpdateAt     *time.Time `bun:"last_update_at"`
}

// Handle is "@username".
func (b *Bot) Handle() string { return "@" + b.Username }

// Halted reports whether the bot must ignore updates and refuse its custom
// webhooks: stopped by its owner, or deleted.
func (b *Bot) Halted() bool { return b.Status == BotStopped || b.Status == BotDeleted }

var _ bun.BeforeAppendModelHook = (*Bot)(nil)

// BeforeAppendModel keeps search_key in step with the name and username.
func (b *Bot) BeforeAppendModel(_ context.Context, query bun.Query) error {
	switch query.(type) {
	case *bun.InsertQuery, *bun.UpdateQuery:
		if b != nil {
			b.SearchKey = SearchKey(b.Name, b.Username)
		}
	}
	return nil
}

// InsertBot stores a new bot; a live duplicate is a unique violation.
func InsertBot(ctx context.Context, db bun.IDB, b *Bot) error {
	_, err := db.NewInsert().Model(b).Exec(ctx)
	return wrap("insert bot", err)
}

// UpdateBotColumns saves the named columns of b (plus updated_at).
func UpdateBotColumns(ctx context.Context, db bun.IDB, b *Bot, columns ...string) error {
	b.UpdatedAt = Now()
	columns = searchColumns(columns, "name", "username")
	_, err := db.NewUpdate().Model(b).Column(append(columns, "updated_at")...).WherePK().Exec(ctx)
	return wrap("update bot columns", err)
}

// BotOfOwner finds one of ownerID's bots (deleted ones included, never
// connecting claims). Another account's bot is not found: callers answer
// 404 without revealing that it exists.
func BotOfOwner(ctx context.Context, db bun.IDB, ownerID, id string) (*Bot, error) {
	b := new(Bot)
	err := db.NewSelect().Model(b).Where("id = ?", id).Where("owner_id = ?", ownerID).
		Where("status <> ?", BotConnecting).Scan(ctx)
	return b, wrap("bot of owner", notFoundAs(err, "bot"))
}

// BotByID finds any bot by id, for the webhook receiver and workers.
func BotByID(ctx context.Context, db bun.IDB, id string) (*Bot, error) {
	b := new(Bot)
	err := db.NewSelect().Model(b).Where("id = ?", id).Scan(ctx)
	return b, wrap("bot by id", notFoundAs(err, "bot"))
}

// LiveBotByTelegramID finds the one non-deleted row (possibly a connecting
// claim) for a Telegram bot, or nil.
func LiveBotByTelegramID(ctx context.Context, db bun.IDB, telegramID int64) (*Bot, error) {
	b := new(Bot)
	err := db.NewSelect().Model(b).Where("telegram_id = ?", telegramID).Where("status <> ?", BotDeleted).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return b, wrap("live bot by telegram id", err)
}

// DeletedBotOfOwner finds the most recently deleted row of a Telegram bot
// in one account, for restoring, or nil.
func DeletedBotOfOwner(ctx context.Context, db bun.IDB, ownerID string, telegramID int64) (*Bot, error) {
	b := new(Bot)
	err := db.NewSelect().Model(b).Where("owner_id = ?", ownerID).Where("telegram_id = ?", telegramID).
		Where("status = ?", BotDeleted).Order("deleted_at DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return b, wrap("deleted bot of owner", err)
}

// WebhookBotsToCheck lists up to limit running webhook bots whose delivery
// was not checked since before, least recently checked first.
func WebhookBotsToCheck(ctx context.Context, db bun.IDB, before time.Time, limit int) ([]Bot, error) {
	var out []Bot
	err := db.NewSelect().Model(&out).Where("update_mode = ?", ModeWebhook).Where("webhook_set = ?", true).
		Where("status IN (?)", bun.In([]string{BotActive, BotWarning})).
		Where("(webhook_checked_at IS NULL OR webhook_checked_at < ?)", before).
		OrderExpr("webhook_checked_at ASC NULLS FIRST, id").Limit(int64(limit)).Scan(ctx)
	return out, wrap("webhook bots to check", err)
}

// ClaimWebhookCheck marks b's delivery as being checked now, unless another
// instance did so since before; it reports whether this caller may check.
func ClaimWebhookCheck(ctx context.Context, db bun.IDB, b *Bot, now, before time.Time) (bool, error) {
	ok, err := affectedOne(db.NewUpdate().Model((*Bot)(nil)).Set("webhook_checked_at = ?", now).Where("id = ?", b.ID).
		Where("(webhook_checked_at IS NULL OR webhook_checked_at < ?)", before).Exec(ctx))
	if ok {
		b.WebhookCheckedAt = &now
	}
	return ok, wrap("claim webhook check", err)
}

// DeleteBotRow removes a row outright: only for a connecting claim that
// failed, which never held any history.
func DeleteBotRow(ctx context.Context, db bun.IDB, id string) error {
	_, err := db.NewDelete().Model((*Bot)(nil)).Where("id = ?", id).Where("status = ?", BotConnecting).Exec(ctx)
	return wrap("delete bot row", err)
}

// BotFilter narrows and sorts the bot list: Q searches name and username,
// Status is one status ("" for every live bot), Sort is created, -created
// (default), name or users.
type BotFilter struct {
	Q, Status, Sort string
}

// ListBots returns the window w of an owner's bots matching f, and the
// total matching.
func ListBots(ctx context.Context, db bun.IDB, ownerID string, f BotFilter, w Window) ([]Bot, int, error) {
	q := db.NewSelect().Model((*Bot)(nil)).Where("owner_id = ?", ownerID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	} else {
		q = q.Where("status NOT IN (?, ?)", BotDeleted, BotConnecting)
	}
	if f.Q != "" {
		q = whereSearch(q, "search_key", f.Q, false)
	}
	switch f.Sort {
	case "created":
		q = q.Order("created_at ASC", "id ASC")
	case "name":
		q = q.OrderExpr("lower(name) ASC, id ASC")
	case "users":
		q = q.Order("total_users DESC", "id ASC")
	default:
		q = q.Order("created_at DESC", "id DESC")
	}
	var bots []Bot
	total, err := q.Limit(int64(w.Limit)).Offset(int64(w.Offset)).ScanAndCount(ctx, &bots)
	return bots, int(total), wrap("list bots", err)
}

// CountBotsByStatus counts an owner's bots per status (every status key
// present, zero included).
func CountBotsByStatus(ctx context.Context, db bun.IDB, ownerID string) (map[string]int, error) {
	var rows []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	err := db.NewSelect().Model((*Bot)(nil)).Column("status").ColumnExpr("count(*) AS n").
		Where("owner_id = ?", ownerID).Where("status <> ?", BotConnecting).Group("status").Scan(ctx, &rows)
	counts := map[string]int{}
	for _, s := range BotStatuses {
		counts[s] = 0
	}
	for _, r := range rows {
		counts[r.Status] = r.N
	}
	return counts, wrap("count bots by status", err)
}

// BotsOfOwnerByIDs returns the owner's bots among ids (unknown ids left out).
func BotsOfOwnerByIDs(ctx context.Context, db bun.IDB, ownerID string, ids []string) ([]Bot, error) {
	var bots []Bot
	err := db.NewSelect().Model(&bots).Where("owner_id = ?", ownerID).Where("id IN (?)", bun.In(ids)).
		Where("status <> ?", BotConnecting).Scan(ctx)
	return bots, wrap("bots of owner by ids", err)
}

// EscapeLike escapes LIKE wildcards so user input matches literally (used
// with ESCAPE '\').
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// BotOwnerID is the id of the account that owns a bot.
func BotOwnerID(ctx context.Context, db bun.IDB, botID string) (string, error) {
	var owner string
	err := db.NewSelect().Model((*Bot)(nil)).Column("owner_id").Where("id = ?", botID).Scan(ctx, &owner)
	return owner, wrap("bot owner id", notFoundAs(err, "bot"))
}
