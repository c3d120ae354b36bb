package models

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

// Outbox statuses. queued and sending are the only non-final ones.
//
//	queued       waiting to be sent (at not_before at the earliest)
//	sending      claimed by the outbox lease holder of epoch: the request is
//	             about to go, or has gone, to Telegram
//	sent         Telegram accepted it (message_id is set for messages)
//	failed       Telegram refused it, retries ran out, or the bot cannot send
//	unconfirmed  the sender stopped dead while the request was out: it may
//	             have arrived, so it is never sent again
const (
	OutboxQueued      = "queued"
	OutboxSending     = "sending"
	OutboxSent        = "sent"
	OutboxFailed      = "failed"
	OutboxUnconfirmed = "unconfirmed"
)

// OutboxMessage is one Bot API call a bot makes to one chat.
type OutboxMessage struct {
	bun.BaseModel `bun:"table:outbox"`

	ID          int64      `bun:"id,pk,autoincrement"`
	BotID       string     `bun:"bot_id"`
	ChatID      int64      `bun:"chat_id"`
	Method      string     `bun:"method"`
	Params      string     `bun:"params"`       // JSON object
	UploadID    string     `bun:"upload_id"`    // a stored upload to attach, or ""
	UploadField string     `bun:"upload_field"` // the parameter it goes to ("photo", "document")
	Priority    int        `bun:"priority"`     // lower goes first
	Origin      string     `bun:"origin"`       // reply, code, greeting, broadcast, dashboard, proxy, notification
	OriginRef   string     `bun:"origin_ref"`   // what in the origin it belongs to (a reply id, a campaign lead…)
	IdemKey     *string    `bun:"idem_key"`     // unique per bot; nil = none
	Status      string     `bun:"status"`
	Attempts    int        `bun:"attempts"`
	NotBefore   time.Time  `bun:"not_before"`
	ExpiresAt   *time.Time `bun:"expires_at"` // not sent after this (nil: no limit)
	Epoch       int64      `bun:"epoch"`      // the lease epoch of the claim
	Error       string     `bun:"error"`
	MessageID   int64      `bun:"message_id"`
	CreatedAt   time.Time  `bun:"created_at"`
	SentAt      *time.Time `bun:"sent_at"`
	UpdatedAt   time.Time  `bun:"updated_at"`
}

// OutboxLease says which instance sends a bot's outbox.
type OutboxLease struct {
	bun.BaseModel `bun:"table:outbox_leases"`

	BotID      string     `bun:"bot_id,pk"`
	LeaseOwner string     `bun:"lease_owner"`
	LeaseUntil *time.Time `bun:"lease_until"`
	Epoch      int64      `bun:"epoch"`
	UpdatedAt  time.Time  `bun:"updated_at"`
}

// InsertOutbox queues messages (status queued, times set by the caller)
// and returns how many were new: a message whose idempotency key the bot
// already used is left out.
func InsertOutbox(ctx context.Context, db bun.IDB, msgs ...*OutboxMessage) (int64, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	res, err := db.NewInsert().Model(&msgs).On("CONFLICT (bot_id, idem_key) DO NOTHING").Exec(ctx)
	if err != nil {
		return 0, wrap("insert outbox", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("insert outbox", err)
}

// OutboxBotsDue lists bots with queued messages due at now.
func OutboxBotsDue(ctx context.Context, db bun.IDB, now time.Time, limit int) ([]string, error) {
	var ids []string
	err := db.NewSelect().Model((*OutboxMessage)(nil)).ColumnExpr("DISTINCT bot_id").
		Where("status = ?", OutboxQueued).Where("not_before <= ?", now).Limit(int64(limit)).Scan(ctx, &ids)
	return ids, wrap("outbox bots due", err)
}

// AcquireOutboxLease takes the bot's outbox lease for owner when it is free
// or expired, and returns its new epoch. So that one instance rate-limits
// everything a bot sends, it is not taken while another instance holds the
// bot's broadcast lease (that instance takes it instead).
func AcquireOutboxLease(ctx context.Context, db bun.IDB, botID, owner string, until, now time.Time) (int64, bool, error) {
	var busy int
	err := db.NewRaw(`SELECT count(*) FROM broadcast_leases WHERE bot_id = ? AND lease_owner <> '' AND lease_owner <> ?
		AND lease_until >= ?`, botID, owner, now).Scan(ctx, &busy)
	if err != nil || busy > 0 {
		return 0, false, wrap("acquire outbox lease", err)
	}
	var epoch int64
	err = db.NewRaw(`INSERT INTO outbox_leases (bot_id, lease_owner, lease_until, epoch, updated_at) VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (bot_id) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until,
			epoch = outbox_leases.epoch + 1, updated_at = EXCLUDED.updated_at
		WHERE outbox_leases.lease_owner = '' OR outbox_leases.lease_until IS NULL OR outbox_leases.lease_until < ?
		RETURNING epoch`, botID, owner, until, now, now).Scan(ctx, &epoch)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return epoch, err == nil, wrap("acquire outbox lease", err)
}

// RenewOutboxLease extends the lease while owner still holds it in epoch;
// false means it was lost.
func RenewOutboxLease(ctx context.Context, db bun.IDB, botID, owner string, epoch int64, until, now time.Time) (bool, error) {
	ok, err := affectedOne(db.NewUpdate().Model((*OutboxLease)(nil)).Set("lease_until = ?", until).Set("updated_at = ?", now).
		Where("bot_id = ?", botID).Where("lease_owner = ?", owner).Where("epoch = ?", epoch).Exec(ctx))
	return ok, wrap("renew outbox lease", err)
}

// ReleaseOutboxLease gives the lease up so another instance may take it at
// once.
func ReleaseOutboxLease(ctx context.Context, db bun.IDB, botID, owner string, epoch int64) error {
	_, err := db.NewUpdate().Model((*OutboxLease)(nil)).Set("lease_owner = ''").Set("lease_until = NULL").
		Where("bot_id = ?", botID).Where("lease_owner = ?", owner).Where("epoch = ?", epoch).Exec(ctx)
	return wrap("release outbox lease", err)
}

// OutboxLeaseHeldByOther reports whether another owner holds the bot's
// outbox lease now (the broadcaster then leaves the bot to that instance).
func OutboxLeaseHeldByOther(ctx context.Context, db bun.IDB, botID, owner string, now time.Time) (bool, error) {
	n, err := db.NewSelect().Model((*OutboxLease)(nil)).Where("bot_id = ?", botID).Where("lease_owner <> ''").
		Where("lease_owner <> ?", owner).Where("lease_until >= ?", now).Count(ctx)
	return n > 0, wrap("outbox lease held", err)
}

// MarkOutboxInDoubt makes the bot's messages left "sending" by an older
// lease epoch unconfirmed, and returns how many.
func MarkOutboxInDoubt(ctx context.Context, db bun.IDB, botID string, epoch int64, now time.Time) (int64, error) {
	res, err := db.NewUpdate().Model((*OutboxMessage)(nil)).Set("status = ?", OutboxUnconfirmed).
		Set("error = ?", "Botdeck stopped while this message was being sent: it may or may not have arrived, so it is not sent again.").
		Set("updated_at = ?", now).
		Where("bot_id = ?", botID).Where("status = ?", OutboxSending).Where("epoch < ?", epoch).Exec(ctx)
	if err != nil {
		return 0, wrap("mark outbox in doubt", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("mark outbox in doubt", err)
}

func dueOutbox(db bun.IDB, botID string, now time.Time, skipChats []int64) *bun.SelectQuery {
	q := db.NewSelect().Model((*OutboxMessage)(nil)).Where("bot_id = ?", botID).Where("status = ?", OutboxQueued).
		Where("not_before <= ?", now)
	if len(skipChats) > 0 {
		q = q.Where("chat_id NOT IN (?)", bun.In(skipChats))
	}
	return q.Order("priority", "id").Limit(1)
}

// NextOutbox returns the bot's next due message (lowest priority, then
// oldest) outside skipChats, or nil.
func NextOutbox(ctx context.Context, db bun.IDB, botID string, now time.Time, skipChats []int64) (*OutboxMessage, error) {
	m := new(OutboxMessage)
	err := dueOutbox(db, botID, now, skipChats).Scan(ctx, m)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return m, wrap("next outbox", err)
}

// ClaimOutbox claims the bot's next due message outside skipChats for the
// lease holder owner of epoch (status sending), or returns nil. The claim
// fails when the lease is no longer held; on PostgreSQL the candidate is
// taken with FOR UPDATE SKIP LOCKED so concurrent claims never wait on
// each other.
func ClaimOutbox(ctx context.Context, db bun.IDB, botID, owner string, epoch int64, now time.Time, skipChats []int64) (*OutboxMessage, error) {
	next := dueOutbox(db, botID, now, skipChats).Column("id")
	if sqldialect.IsPostgres(db) {
		next = next.For("UPDATE SKIP LOCKED")
	}
	held := db.NewSelect().Model((*OutboxLease)(nil)).ColumnExpr("1").Where("bot_id = ?", botID).
		Where("lease_owner = ?", owner).Where("epoch = ?", epoch)
	var out []OutboxMessage
	_, err := db.NewUpdate().Model((*OutboxMessage)(nil)).Set("status = ?", OutboxSending).Set("epoch = ?", epoch).
		Set("attempts = attempts + 1").Set("updated_at = ?", now).
		Where("id = (?)", next).Where("status = ?", OutboxQueued).Where("EXISTS (?)", held).
		Returning("*").Exec(ctx, &out)
	if err != nil || len(out) == 0 {
		return nil, wrap("claim outbox", err)
	}
	return &out[0], nil
}

// OutboxCandidate is a due message as the sender first sees it: enough to
// choose what to claim.
type OutboxCandidate struct {
	ID       int64 `bun:"id"`
	ChatID   int64 `bun:"chat_id"`
	Priority int   `bun:"priority"`
}

// DueOutbox lists up to limit of the bot's due messages outside skipChats,
// lowest priority first, then oldest.
func DueOutbox(ctx context.Context, db bun.IDB, botID string, now time.Time, skipChats []int64, limit int) ([]OutboxCandidate, error) {
	var out []OutboxCandidate
	err := dueOutbox(db, botID, now, skipChats).Column("id", "chat_id", "priority").Limit(int64(limit)).Scan(ctx, &out)
	return out, wrap("due outbox", err)
}

// ClaimOutboxIDs claims, for the lease holder owner of epoch, those of ids
// that are still queued and due (status sending), and returns them in
// priority, then age order. Nothing is claimed when the lease is no longer
// held. A message another claim took first is left out: the status check
// is made again on the row itself.
func ClaimOutboxIDs(ctx context.Context, db bun.IDB, botID, owner string, epoch int64, now time.Time, ids []int64) ([]OutboxMessage, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	held := db.NewSelect().Model((*OutboxLease)(nil)).ColumnExpr("1").Where("bot_id = ?", botID).
		Where("lease_owner = ?", owner).Where("epoch = ?", epoch)
	var out []OutboxMessage
	_, err := db.NewUpdate().Model((*OutboxMessage)(nil)).Set("status = ?", OutboxSending).Set("epoch = ?", epoch).
		Set("attempts = attempts + 1").Set("updated_at = ?", now).
		Where("id IN (?)", bun.In(ids)).Where("bot_id = ?", botID).Where("status = ?", OutboxQueued).
		Where("not_before <= ?", now).Where("EXISTS (?)", held).
		Returning("*").Exec(ctx, &out)
	if err != nil {
		return nil, wrap("claim outbox", err)
	}
	slices.SortFunc(out, func(a, b OutboxMessage) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// OutboxOutcome is how a claimed message ended.
type OutboxOutcome struct {
	Status    string // sent, failed, unconfirmed — or queued to try again at NotBefore
	MessageID int64
	Error     string
	NotBefore time.Time // for queued
	Uncount   bool      // for queued: the attempt does not count (a 429)
	At        time.Time // for sent: when Telegram answered (sent_at; the time of the write when zero)
}

// FinishOutbox records the outcome of a message claimed in epoch and
// reports whether it did (false: the claim was not this sender's).
func FinishOutbox(ctx context.Context, db bun.IDB, id, epoch int64, o OutboxOutcome, now time.Time) (bool, error) {
	q := db.NewUpdate().Model((*OutboxMessage)(nil)).Set("status = ?", o.Status).Set("error = ?", o.Error).
		Set("updated_at = ?", now).Where("id = ?", id).Where("status = ?", OutboxSending).Where("epoch = ?", epoch)
	switch o.Status {
	case OutboxSent:
		at := o.At
		if at.IsZero() {
			at = now
		}
		q = q.Set("message_id = ?", o.MessageID).Set("sent_at = ?", at)
	case OutboxQueued:
		q = q.Set("not_before = ?", o.NotBefore)
		if o.Uncount {
			q = q.Set("attempts = attempts - 1")
		}
	}
	ok, err := affectedOne(q.Exec(ctx))
	return ok, wrap("finish outbox", err)
}

// OutboxSentRow is a message Telegram accepted, to record with others.
type OutboxSentRow struct {
	ID, Epoch, MessageID int64
	At                   time.Time // when Telegram answered
}

// FinishOutboxSent records several sent messages in one statement and
// returns the ids it recorded: those still claimed in the epoch given with
// them. The sender's recorder writes a batch of outcomes this way instead
// of a statement each.
func FinishOutboxSent(ctx context.Context, db bun.IDB, rows []OutboxSentRow, now time.Time) ([]int64, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	stamp := "?"
	if sqldialect.IsPostgres(db) {
		stamp = "?::timestamptz" // a CASE of string literals is text on PostgreSQL
	}
	var mid, at, epoch strings.Builder
	args := make([]any, 0, 7*len(rows)+2)
	ids := make([]int64, len(rows))
	for i, r := range rows {
		mid.WriteString(" WHEN ? THEN ?")
		args = append(args, r.ID, r.MessageID)
		ids[i] = r.ID
	}
	for _, r := range rows {
		at.WriteString(" WHEN ? THEN " + stamp)
		args = append(args, r.ID, r.At)
	}
	args = append(args, now, bun.In(ids))
	for _, r := range rows {
		epoch.WriteString(" WHEN ? THEN ?")
		args = append(args, r.ID, r.Epoch)
	}
	var out []int64
	err := db.NewRaw(`UPDATE outbox SET status = '`+OutboxSent+`', error = '', message_id = CASE id`+mid.String()+` END,
		sent_at = CASE id`+at.String()+` END, updated_at = ?
		WHERE id IN (?) AND status = '`+OutboxSending+`' AND epoch = CASE id`+epoch.String()+` END
		RETURNING id`, args...).Scan(ctx, &out)
	return out, wrap("finish outbox sent", err)
}

// FailQueuedOutbox fails every queued message of a bot with reason (the bot
// was stopped, disconnected or its token revoked) and returns them.
func FailQueuedOutbox(ctx context.Context, db bun.IDB, botID, reason string, now time.Time) ([]OutboxMessage, error) {
	var out []OutboxMessage
	_, err := db.NewUpdate().Model((*OutboxMessage)(nil)).Set("status = ?", OutboxFailed).Set("error = ?", reason).
		Set("updated_at = ?", now).Where("bot_id = ?", botID).Where("status = ?", OutboxQueued).
		Returning("*").Exec(ctx, &out)
	return out, wrap("fail queued outbox", err)
}

// OutboxPending reports whether a message of origin and ref is still
// queued or being sent.
func OutboxPending(ctx context.Context, db bun.IDB, botID, origin, ref string) (bool, error) {
	n, err := db.NewSelect().Model((*OutboxMessage)(nil)).Where("bot_id = ?", botID).Where("origin = ?", origin).
		Where("origin_ref = ?", ref).Where("status IN (?, ?)", OutboxQueued, OutboxSending).Count(ctx)
	return n > 0, wrap("outbox pending", err)
}

// NextOutboxDueAt is when the bot's earliest queued message comes due, or
// nil when none is queued.
func NextOutboxDueAt(ctx context.Context, db bun.IDB, botID string) (*time.Time, error) {
	var at []time.Time
	err := db.NewSelect().Model((*OutboxMessage)(nil)).Column("not_before").Where("bot_id = ?", botID).
		Where("status = ?", OutboxQueued).Order("not_before").Limit(1).Scan(ctx, &at)
	if err != nil || len(at) == 0 {
		return nil, wrap("next outbox due", err)
	}
	return &at[0], nil
}

// OutboxOfBot lists a bot's messages in id order (tests and diagnostics).
func OutboxOfBot(ctx context.Context, db bun.IDB, botID string) ([]OutboxMessage, error) {
	var out []OutboxMessage
	err := db.NewSelect().Model(&out).Where("bot_id = ?", botID).Order("id").Scan(ctx)
	return out, wrap("outbox of bot", err)
}

// PruneOutbox deletes up to limit messages that ended (sent, failed or
// unconfirmed) before before, and returns how many.
func PruneOutbox(ctx context.Context, db bun.IDB, before time.Time, limit int) (int64, error) {
	ids := db.NewSelect().Model((*OutboxMessage)(nil)).Column("id").Where("status NOT IN (?, ?)", OutboxQueued, OutboxSending).
		Where("updated_at < ?", before).Limit(int64(limit))
	res, err := db.NewDelete().Model((*OutboxMessage)(nil)).Where("id IN (?)", ids).Exec(ctx)
	if err != nil {
		return 0, wrap("prune outbox", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("prune outbox", err)
}
