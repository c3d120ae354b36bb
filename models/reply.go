package models

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/replies"
)

// ReplyIDPrefix is the prefix of reply ids (NewID(ReplyIDPrefix)).
const ReplyIDPrefix = "rpl"

// Reply is one of a bot's no-code replies as stored: Spec is the reply as
// the engine (internal/replies) takes it, with Spec.ID and Spec.Enabled kept
// equal to the ID and Enabled columns by every function here.
type Reply struct {
	bun.BaseModel `bun:"table:replies"`

	ID         string        `bun:"id,pk"`
	BotID      string        `bun:"bot_id"`
	Position   int           `bun:"position"`
	Spec       replies.Reply `bun:"spec,type:text"`
	Enabled    bool          `bun:"enabled"`
	Uses       int64         `bun:"uses"`
	LastUsedAt *time.Time    `bun:"last_used_at"`
	CreatedAt  time.Time     `bun:"created_at"`
	UpdatedAt  time.Time     `bun:"updated_at"`
}

// sync makes the columns and the spec agree after a read.
func (r *Reply) sync() {
	r.Spec.ID = r.ID
	r.Spec.Enabled = r.Enabled
}

// Specs returns the engine's view of rows, in their order.
func Specs(rows []Reply) []replies.Reply {
	out := make([]replies.Reply, len(rows))
	for i := range rows {
		out[i] = rows[i].Spec
	}
	return out
}

// ListReplies returns a bot's replies in match order.
func ListReplies(ctx context.Context, db bun.IDB, botID string) ([]Reply, error) {
	rows := []Reply{}
	err := db.NewSelect().Model(&rows).Where("bot_id = ?", botID).Order("position", "created_at", "id").Scan(ctx)
	for i := range rows {
		rows[i].sync()
	}
	return rows, wrap("list replies", err)
}

// ReplyOfBot returns one reply of a bot; a reply of another bot is not
// found.
func ReplyOfBot(ctx context.Context, db bun.IDB, botID, id string) (*Reply, error) {
	r := new(Reply)
	err := db.NewSelect().Model(r).Where("id = ?", id).Where("bot_id = ?", botID).Scan(ctx)
	r.sync()
	return r, wrap("reply of bot", notFoundAs(err, "reply"))
}

// InsertReply adds r after the bot's other replies (r.Position is set) and
// moves the bot's replies version. r.ID and r.Spec.ID must be equal (an
// empty r.ID takes r.Spec.ID).
func InsertReply(ctx context.Context, db bun.IDB, r *Reply) error {
	if r.ID == "" {
		r.ID = r.Spec.ID
	}
	r.Spec.ID, r.Enabled = r.ID, r.Spec.Enabled
	if r.CreatedAt.IsZero() {
		r.CreatedAt = Now()
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	var last int
	if err := db.NewSelect().Model((*Reply)(nil)).ColumnExpr("COALESCE(MAX(position), 0)").
		Where("bot_id = ?", r.BotID).Scan(ctx, &last); err != nil {
		return wrap("insert reply", err)
	}
	r.Position = last + 1
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		return wrap("insert reply", err)
	}
	return wrap("insert reply", bumpRepliesVersion(ctx, db, r.BotID))
}

// UpdateReply saves r's spec and enabled flag (r.Spec.Enabled) and moves the
// bot's replies version. A reply the bot does not have is not found.
func UpdateReply(ctx context.Context, db bun.IDB, r *Reply) error {
	r.Spec.ID, r.Enabled = r.ID, r.Spec.Enabled
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = Now()
	}
	res, err := db.NewUpdate().Model(r).Column("spec", "enabled", "updated_at").
		Where("id = ?", r.ID).Where("bot_id = ?", r.BotID).Exec(ctx)
	if err != nil {
		return wrap("update reply", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("update reply", apperr.NotFound("reply"))
	}
	return wrap("update reply", bumpRepliesVersion(ctx, db, r.BotID))
}

// DeleteReply removes one reply of a bot and moves its replies version.
func DeleteReply(ctx context.Context, db bun.IDB, botID, id string) error {
	res, err := db.NewDelete().Model((*Reply)(nil)).Where("id = ?", id).Where("bot_id = ?", botID).Exec(ctx)
	if err != nil {
		return wrap("delete reply", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("delete reply", apperr.NotFound("reply"))
	}
	return wrap("delete reply", bumpRepliesVersion(ctx, db, botID))
}

// ReorderReplies puts the bot's replies in the order of ids, in one
// statement, and moves its replies version. ids must name each of the
// bot's replies once (the caller checks it against ListReplies in the same
// transaction); ids of other bots are left alone.
func ReorderReplies(ctx context.Context, db bun.IDB, botID string, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	var expr strings.Builder
	args := make([]any, 0, 2*len(ids))
	expr.WriteString("position = CASE id")
	for i, id := range ids {
		expr.WriteString(" WHEN ? THEN ?")
		args = append(args, id, i+1)
	}
	expr.WriteString(" ELSE position END")
	_, err := db.NewUpdate().Model((*Reply)(nil)).Set(expr.String(), args...).Set("updated_at = ?", at).
		Where("bot_id = ?", botID).Where("id IN (?)", bun.In(ids)).Exec(ctx)
	if err != nil {
		return wrap("reorder replies", err)
	}
	return wrap("reorder replies", bumpRepliesVersion(ctx, db, botID))
}

// CountReplyUse records that a reply answered someone at at. It does not
// move the replies version: usage is not part of what a cache compiles.
// A reply deleted meanwhile is ignored.
func CountReplyUse(ctx context.Context, db bun.IDB, botID, replyID string, at time.Time) error {
	_, err := db.NewUpdate().Model((*Reply)(nil)).Set("uses = uses + 1").
		Set("last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < ? THEN ? ELSE last_used_at END", at, at).
		Where("id = ?", replyID).Where("bot_id = ?", botID).Exec(ctx)
	return wrap("count reply use", err)
}

// RepliesVersion is a number that changes in the transaction of every
// insert, update, delete or reorder of the bot's replies: a cache of a
// bot's compiled replies is fresh while it is unchanged.
func RepliesVersion(ctx context.Context, db bun.IDB, botID string) (int64, error) {
	var v int64
	err := db.NewSelect().Model((*Bot)(nil)).Column("replies_version").Where("id = ?", botID).Scan(ctx, &v)
	return v, wrap("replies version", notFoundAs(err, "bot"))
}

func bumpRepliesVersion(ctx context.Context, db bun.IDB, botID string) error {
	_, err := db.NewUpdate().Model((*Bot)(nil)).Set("replies_version = replies_version + 1").Where("id = ?", botID).Exec(ctx)
	return err
}

// LockBotReplies serializes changes to a bot's replies: it moves the
// replies version first, which holds the bot's row until the transaction
// ends, so a change validated against the bot's other replies cannot race
// another one. Run it first in the transaction that changes them.
func LockBotReplies(ctx context.Context, db bun.IDB, botID string) error {
	return wrap("lock bot replies", bumpRepliesVersion(ctx, db, botID))
}
