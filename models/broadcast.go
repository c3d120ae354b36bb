package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/uptrace/bun"
)

// Broadcast statuses (a broadcast's status field in the API).
const (
	BroadcastScheduled = "scheduled" // waiting for its time; the audience is not frozen yet
	BroadcastPreparing = "preparing" // created; a background job is freezing its (large) audience
	BroadcastQueued    = "queued"    // waiting for a sender
	BroadcastRunning   = "running"   // being sent
	BroadcastPaused    = "paused"    // by the owner, or by Botdeck with a reason
	BroadcastDone      = "done"      // every recipient has an outcome
	BroadcastCancelled = "cancelled" // by the owner; the rest is never sent
	BroadcastFailed    = "failed"    // cannot go on (the bot was disconnected)
)

// BroadcastStatuses lists the statuses in lifecycle order.
var BroadcastStatuses = []string{BroadcastScheduled, BroadcastPreparing, BroadcastQueued, BroadcastRunning, BroadcastPaused, BroadcastDone, BroadcastCancelled, BroadcastFailed}

// Audiences a broadcast can go to.
const (
	AudienceAll          = "all"
	AudienceActive7Days  = "activeLast7Days"
	AudienceActive30Days = "activeLast30Days"
)

// Audiences lists them in the order the compose form shows them.
var Audiences = []string{AudienceAll, AudienceActive7Days, AudienceActive30Days}

// AudienceSince is the earliest last_seen_at an audience includes, or nil
// for everyone. The window is computed in Go rather than with SQL date
// functions, so the query is the same on both dialects.
func AudienceSince(audience string, now time.Time) *time.Time {
	var days int
	switch audience {
	case AudienceActive7Days:
		days = 7
	case AudienceActive30Days:
		days = 30
	default:
		return nil
	}
	t := now.Add(-time.Duration(days) * 24 * time.Hour)
	return &t
}

// Recipient statuses. pending and sending are the only non-final ones.
//
//	pending      not sent yet (possibly waiting for a retry at next_attempt_at)
//	sending      claimed by the lease holder whose epoch is in claim: the
//	             request is about to go, or has gone, to Telegram
//	sent         Telegram accepted the message (message_id is set)
//	failed       Telegram refused it, or retries ran out
//	blocked      the user blocked the bot or was deactivated (403)
//	skipped      the owner blocked the user after the broadcast was queued
//	unconfirmed  its sender stopped dead while the message was in flight:
//	             it may or may not have arrived, and is not sent again
const (
	RecipientPending     = "pending"
	RecipientSending     = "sending"
	RecipientSent        = "sent"
	RecipientFailed      = "failed"
	RecipientBlocked     = "blocked"
	RecipientSkipped     = "skipped"
	RecipientUnconfirmed = "unconfirmed"
)

// Broadcast is one message sent to a snapshot of a bot's audience.
type Broadcast struct {
	bun.BaseModel `bun:"table:broadcasts"`

	ID             string     `bun:"id,pk"`
	BotID          string     `bun:"bot_id"`
	Text           string     `bun:"text"`
	ParseMode      string     `bun:"parse_mode"` // "", "HTML" or "MarkdownV2"
	DisablePreview bool       `bun:"disable_preview"`
	Audience       string     `bun:"audience"`
	Status         string     `bun:"status"`
	StatusReason   string     `bun:"status_reason"`
	Total          int64      `bun:"total"`
	Sent           int64      `bun:"sent"`
	Failed         int64      `bun:"failed"`
	Blocked        int64      `bun:"blocked"`
	Skipped        int64      `bun:"skipped"`
	Unconfirmed    int64      `bun:"unconfirmed"`
	CreatedAt      time.Time  `bun:"created_at"`
	StartedAt      *time.Time `bun:"started_at"`
	FinishedAt     *time.Time `bun:"finished_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`

	// The extended composer: the segment the audience is narrowed by
	// (nil: none, or deleted since), the filter that narrows it (JSON of
	// contract.SegmentFilter; "" for none; with a segment, its filter when
	// the audience was frozen), the photo or document (upload ids, the
	// text is the caption), URL buttons (JSON [[{text, url}]], "" for
	// none) and the start time (status scheduled until then).
	SegmentID   *string    `bun:"segment_id"`
	Filter      string     `bun:"filter"`
	Photo       string     `bun:"photo"`
	Document    string     `bun:"document"`
	Buttons     string     `bun:"buttons"`
	ScheduledAt *time.Time `bun:"scheduled_at"`

	// Narrow is the audience filter the recipients are chosen by when
	// the audience is frozen (InsertBroadcast, FreezeScheduled); not
	// stored as such (Filter is its JSON).
	Narrow *AudienceFilter `bun:"-"`
}

// Upload is the broadcast's photo or document upload id, and the Bot API
// method and field it goes with ("" when it is text only).
func (b *Broadcast) Upload() (id, method, field string) {
	switch {
	case b.Photo != "":
		return b.Photo, "sendPhoto", "photo"
	case b.Document != "":
		return b.Document, "sendDocument", "document"
	}
	return "", "", ""
}

// Done is the number of recipients with a final outcome.
func (b *Broadcast) Done() int64 { return b.Sent + b.Failed + b.Blocked + b.Skipped + b.Unconfirmed }

// Pending is the number of recipients still to be sent.
func (b *Broadcast) Pending() int64 { return max(0, b.Total-b.Done()) }

// Finished reports whether the broadcast reached a final status.
func (b *Broadcast) Finished() bool {
	return b.Status == BroadcastDone || b.Status == BroadcastCancelled || b.Status == BroadcastFailed
}

// Active reports whether the broadcast is waiting to be sent or being sent.
func (b *Broadcast) Active() bool { return b.Status == BroadcastQueued || b.Status == BroadcastRunning }

// whereAudience narrows bot_users to the users a broadcast may go to:
// neither blocked by the owner nor blocking the bot, and seen since since.
func whereAudience(q *bun.SelectQuery, botID string, since *time.Time) *bun.SelectQuery {
	q = q.Where("bot_id = ?", botID).Where("NOT blocked").Where("NOT bot_blocked")
	if since != nil {
		q = q.Where("last_seen_at >= ?", *since)
	}
	return q
}

// CountAudience counts the users a broadcast to audience would reach now.
func CountAudience(ctx context.Context, db bun.IDB, botID, audience string, now time.Time) (int64, error) {
	n, err := whereAudience(db.NewSelect().Model((*BotUser)(nil)), botID, AudienceSince(audience, now)).Count(ctx)
	return int64(n), wrap("count audience", err)
}

// AudienceCounts counts every audience of a bot in one pass.
func AudienceCounts(ctx context.Context, db bun.IDB, botID string, now time.Time) (map[string]int64, error) {
	var row struct {
		All   int64 `bun:"all_users"`
		Week  int64 `bun:"week"`
		Month int64 `bun:"month"`
	}
	err := whereAudience(db.NewSelect().Model((*BotUser)(nil)), botID, nil).
		ColumnExpr("count(*) AS all_users").
		ColumnExpr("coalesce(sum(CASE WHEN last_seen_at >= ? THEN 1 ELSE 0 END), 0) AS week", *AudienceSince(AudienceActive7Days, now)).
		ColumnExpr("coalesce(sum(CASE WHEN last_seen_at >= ? THEN 1 ELSE 0 END), 0) AS month", *AudienceSince(AudienceActive30Days, now)).
		Scan(ctx, &row)
	return map[string]int64{AudienceAll: row.All, AudienceActive7Days: row.Week, AudienceActive30Days: row.Month}, wrap("audience counts", err)
}

// CountAudienceFiltered counts the users a broadcast to audience narrowed
// by f (nil: not narrowed) would reach now.
func CountAudienceFiltered(ctx context.Context, db bun.IDB, botID, audience string, f *AudienceFilter, now time.Time) (int64, error) {
	q := whereAudience(db.NewSelect().Model((*BotUser)(nil)), botID, AudienceSince(audience, now))
	if f != nil {
		q = whereAttributes(q, botID, *f)
	}
	n, err := q.Count(ctx)
	return int64(n), wrap("count audience", err)
}

// InsertBroadcast stores b and, unless it is scheduled, its recipients —
// the audience (narrowed by b.Narrow) as it is now, in one
// INSERT … SELECT — and sets b.Total. Run it in a transaction so a queued
// broadcast never exists without its recipients.
func InsertBroadcast(ctx context.Context, db bun.IDB, b *Broadcast, now time.Time) error {
	if _, err := db.NewInsert().Model(b).Exec(ctx); err != nil {
		return wrap("insert broadcast", err)
	}
	if b.Status == BroadcastScheduled || b.Status == BroadcastPreparing {
		return nil
	}
	return wrap("insert broadcast", freeze(ctx, db, b, now))
}

// freeze stores b's recipients, the audience as it is now, and its total.
func freeze(ctx context.Context, db bun.IDB, b *Broadcast, now time.Time) error {
	sel := whereAudience(db.NewSelect().Model((*BotUser)(nil)), b.BotID, AudienceSince(b.Audience, now))
	if b.Narrow != nil {
		sel = whereAttributes(sel, b.BotID, *b.Narrow)
	}
	sel = sel.ColumnExpr("?, user_id, ?", b.ID, RecipientPending)
	res, err := db.NewRaw("INSERT INTO broadcast_recipients (broadcast_id, user_id, status) ?", sel).Exec(ctx)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	b.Total = n
	_, err = db.NewUpdate().Model(b).Column("total").WherePK().Exec(ctx)
	return err
}

// DueScheduled lists scheduled broadcasts whose time has come, oldest
// first (served by the partial index broadcasts_scheduled_idx).
func DueScheduled(ctx context.Context, db bun.IDB, now time.Time, limit int) ([]Broadcast, error) {
	var list []Broadcast
	err := db.NewSelect().Model(&list).Where("status = ?", BroadcastScheduled).Where("scheduled_at <= ?", now).
		Order("scheduled_at", "id").Limit(int64(limit)).Scan(ctx)
	return list, wrap("due scheduled", err)
}

// FreezeScheduled starts a scheduled broadcast: it moves it from
// scheduled to queued — one conditional UPDATE, which is the claim: when
// instances race, exactly one transaction moves it, the others find it
// queued and change nothing — and stores its recipients, the audience
// (narrowed by b.Narrow, and with b.Filter saved as the filter used) as it
// is now. Run it in a transaction, so the claim and the recipients commit
// together. It reports whether this call started it.
func FreezeScheduled(ctx context.Context, db bun.IDB, b *Broadcast, now time.Time) (bool, error) {
	ok, err := freezeFrom(ctx, db, b, BroadcastScheduled, now)
	return ok, wrap("freeze scheduled", err)
}

// FreezePreparing queues a broadcast created as preparing (its audience
// too large to freeze inside the request), claimed and frozen exactly as
// FreezeScheduled does: exactly once across instances. Run it in a
// transaction.
func FreezePreparing(ctx context.Context, db bun.IDB, b *Broadcast, now time.Time) (bool, error) {
	ok, err := freezeFrom(ctx, db, b, BroadcastPreparing, now)
	return ok, wrap("freeze preparing", err)
}

func freezeFrom(ctx context.Context, db bun.IDB, b *Broadcast, from string, now time.Time) (bool, error) {
	ok, err := affectedOne(db.NewUpdate().Model((*Broadcast)(nil)).Set("status = ?", BroadcastQueued).
		Set("filter = ?", b.Filter).Set("updated_at = ?", now).
		Where("id = ?", b.ID).Where("status = ?", from).Exec(ctx))
	if err != nil || !ok {
		return false, err
	}
	b.Status = BroadcastQueued
	if err := freeze(ctx, db, b, now); err != nil {
		return false, err
	}
	return true, nil
}

// DuePreparing lists broadcasts waiting for their audience to be frozen,
// oldest first (served by the partial index broadcasts_preparing_idx).
func DuePreparing(ctx context.Context, db bun.IDB, limit int) ([]Broadcast, error) {
	var list []Broadcast
	err := db.NewSelect().Model(&list).Where("status = ?", BroadcastPreparing).
		Order("created_at", "id").Limit(int64(limit)).Scan(ctx)
	return list, wrap("due preparing", err)
}

// AudienceHasAnyone reports whether a broadcast b would reach anyone now
// (its audience, narrowed by b.Narrow): reading one user at most, so a
// broadcast whose audience is frozen later can still be refused when it
// has nobody.
func AudienceHasAnyone(ctx context.Context, db bun.IDB, b *Broadcast, now time.Time) (bool, error) {
	sel := whereAudience(db.NewSelect().Model((*BotUser)(nil)), b.BotID, AudienceSince(b.Audience, now))
	if b.Narrow != nil {
		sel = whereAttributes(sel, b.BotID, *b.Narrow)
	}
	ok, err := sel.Exists(ctx)
	return ok, wrap("audience has anyone", err)
}

// UpdateScheduled saves the editable columns of a broadcast that is still
// scheduled, and reports whether it still was.
func UpdateScheduled(ctx context.Context, db bun.IDB, b *Broadcast, now time.Time) (bool, error) {
	b.UpdatedAt = now
	ok, err := affectedOne(db.NewUpdate().Model(b).
		Column("text", "parse_mode", "disable_preview", "audience", "segment_id", "filter", "photo", "document", "buttons", "scheduled_at", "updated_at").
		WherePK().Where("status = ?", BroadcastScheduled).Exec(ctx))
	return ok, wrap("update scheduled", err)
}

// DeleteScheduled deletes a broadcast that is still scheduled, and reports
// whether it was.
func DeleteScheduled(ctx context.Context, db bun.IDB, id string) (bool, error) {
	ok, err := affectedOne(db.NewDelete().Model((*Broadcast)(nil)).Where("id = ?", id).Where("status = ?", BroadcastScheduled).Exec(ctx))
	return ok, wrap("delete scheduled", err)
}

// BroadcastOfOwner finds a broadcast of one of ownerID's bots, with its
// bot. Another account's broadcast is not found.
func BroadcastOfOwner(ctx context.Context, db bun.IDB, ownerID, id string) (*Broadcast, *Bot, error) {
	if !LooksLikeID("bc", id) {
		return nil, nil, wrap("broadcast of owner", apperr.NotFound("broadcast"))
	}
	b := new(Broadcast)
	err := db.NewSelect().Model(b).Where("id = ?", id).
		Where("bot_id IN (SELECT id FROM bots WHERE owner_id = ? AND status <> ?)", ownerID, BotConnecting).Scan(ctx)
	if err != nil {
		return nil, nil, wrap("broadcast of owner", notFoundAs(err, "broadcast"))
	}
	bot, err := BotOfOwner(ctx, db, ownerID, b.BotID)
	if err != nil {
		return nil, nil, wrap("broadcast of owner", notFoundAs(err, "broadcast"))
	}
	return b, bot, nil
}

// BroadcastByID reads a broadcast.
func BroadcastByID(ctx context.Context, db bun.IDB, id string) (*Broadcast, error) {
	b := new(Broadcast)
	err := db.NewSelect().Model(b).Where("id = ?", id).Scan(ctx)
	return b, wrap("broadcast by id", notFoundAs(err, "broadcast"))
}

// ListBroadcasts returns the window w of a bot's broadcasts, newest first,
// and how many there are.
func ListBroadcasts(ctx context.Context, db bun.IDB, botID string, w Window) ([]Broadcast, int, error) {
	var list []Broadcast
	n, err := db.NewSelect().Model(&list).Where("bot_id = ?", botID).Order("created_at DESC", "id DESC").
		Limit(int64(w.Limit)).Offset(int64(w.Offset)).ScanAndCount(ctx)
	return list, int(n), wrap("list broadcasts", err)
}

// CountActiveBroadcasts counts a bot's queued and running broadcasts: they
// share the bot's rate.
func CountActiveBroadcasts(ctx context.Context, db bun.IDB, botID string) (int, error) {
	n, err := db.NewSelect().Model((*Broadcast)(nil)).Where("bot_id = ?", botID).
		Where("status IN (?)", bun.In([]string{BroadcastQueued, BroadcastRunning})).Count(ctx)
	return int(n), wrap("count active broadcasts", err)
}

// SetBroadcastStatus moves a broadcast to status "to" when it is in one of
// from, and reports whether it did. One conditional UPDATE, so a pause and
// the sender finishing the broadcast cannot both win.
func SetBroadcastStatus(ctx context.Context, db bun.IDB, id string, from []string, to, reason string, now time.Time) (bool, error) {
	q := db.NewUpdate().Model((*Broadcast)(nil)).Set("status = ?", to).Set("status_reason = ?", clip(reason, 1000)).
		Set("updated_at = ?", now).Where("id = ?", id).Where("status IN (?)", bun.In(from))
	if to == BroadcastDone || to == BroadcastCancelled || to == BroadcastFailed {
		q = q.Set("finished_at = ?", now)
	}
	v0, err := affectedOne(q.Exec(ctx))
	return v0, wrap("set broadcast status", err)
}

// ResumeBroadcast sets a paused broadcast going again: running when it had
// started (the sender picks it up), queued otherwise.
func ResumeBroadcast(ctx context.Context, db bun.IDB, id string, now time.Time) (bool, error) {
	v0, err := affectedOne(db.NewUpdate().Model((*Broadcast)(nil)).
		Set("status = CASE WHEN started_at IS NULL THEN ? ELSE ? END", BroadcastQueued, BroadcastRunning).
		Set("status_reason = ''").Set("updated_at = ?", now).
		Where("id = ?", id).Where("status = ?", BroadcastPaused).Exec(ctx))
	return v0, wrap("resume broadcast", err)
}

// RecentSendCount counts the messages of a broadcast that reached an
// outcome from Telegram (sent, failed, blocked) since since: the measured
// rate.
func RecentSendCount(ctx context.Context, db bun.IDB, id string, since time.Time) (int, error) {
	n, err := db.NewSelect().Model((*BroadcastRecipient)(nil)).Where("broadcast_id = ?", id).Where("done_at >= ?", since).
		Where("status IN (?)", bun.In([]string{RecipientSent, RecipientFailed, RecipientBlocked})).Count(ctx)
	return int(n), wrap("recent send count", err)
}

// BroadcastRecipient is one user of a broadcast and their outcome.
type BroadcastRecipient struct {
	bun.BaseModel `bun:"table:broadcast_recipients"`

	BroadcastID   string     `bun:"broadcast_id,pk"`
	UserID        int64      `bun:"user_id,pk"`
	Status        string     `bun:"status"`
	Attempts      int        `bun:"attempts"`
	Claim         int64      `bun:"claim"`
	NextAttemptAt *time.Time `bun:"next_attempt_at"`
	MessageID     *int64     `bun:"message_id"`
	Error         string     `bun:"error"`
	DoneAt        *time.Time `bun:"done_at"`
}

// RecipientsOf lists a broadcast's recipients (tests and diagnostics).
func RecipientsOf(ctx context.Context, db bun.IDB, broadcastID string) ([]BroadcastRecipient, error) {
	var rows []BroadcastRecipient
	err := db.NewSelect().Model(&rows).Where("broadcast_id = ?", broadcastID).Order("user_id").Scan(ctx)
	return rows, wrap("recipients of", err)
}

func affectedOne(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ---- The sender's store (internal/jobs/broadcaster.go) ----

// BroadcastLease is who sends a bot's broadcasts.
type BroadcastLease struct {
	bun.BaseModel `bun:"table:broadcast_leases"`

	BotID      string     `bun:"bot_id,pk"`
	LeaseOwner string     `bun:"lease_owner"`
	LeaseUntil *time.Time `bun:"lease_until"`
	Epoch      int64      `bun:"epoch"`
	UpdatedAt  time.Time  `bun:"updated_at"`
}

// BotsWithActiveBroadcasts lists bots that have queued or running
// broadcasts (served by the partial index broadcasts_active_idx).
func BotsWithActiveBroadcasts(ctx context.Context, db bun.IDB) ([]string, error) {
	var ids []string
	err := db.NewSelect().Model((*Broadcast)(nil)).ColumnExpr("DISTINCT bot_id").
		Where("status IN ('queued', 'running')").Scan(ctx, &ids)
	return ids, wrap("bots with active broadcasts", err)
}

// AcquireBroadcastLease takes the right to send a bot's broadcasts until
// until, when nobody holds it or the holder's lease expired, and returns
// the new epoch. One statement — an upsert that only updates a free or
// expired row — so when instances race exactly one gets a row back; no
// row locking (and so no FOR UPDATE SKIP LOCKED) is needed.
func AcquireBroadcastLease(ctx context.Context, db bun.IDB, botID, owner string, until, now time.Time) (int64, bool, error) {
	var epoch int64
	err := db.NewRaw(`INSERT INTO broadcast_leases (bot_id, lease_owner, lease_until, epoch, updated_at) VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (bot_id) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until,
			epoch = broadcast_leases.epoch + 1, updated_at = EXCLUDED.updated_at
		WHERE broadcast_leases.lease_owner = '' OR broadcast_leases.lease_until IS NULL OR broadcast_leases.lease_until < ?
		RETURNING epoch`, botID, owner, until, now, now).Scan(ctx, &epoch)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return epoch, err == nil, wrap("acquire broadcast lease", err)
}

// RenewBroadcastLease extends the lease while owner still holds it in
// epoch; false means it was lost.
func RenewBroadcastLease(ctx context.Context, db bun.IDB, botID, owner string, epoch int64, until, now time.Time) (bool, error) {
	v0, err := affectedOne(db.NewUpdate().Model((*BroadcastLease)(nil)).Set("lease_until = ?", until).Set("updated_at = ?", now).
		Where("bot_id = ?", botID).Where("lease_owner = ?", owner).Where("epoch = ?", epoch).Exec(ctx))
	return v0, wrap("renew broadcast lease", err)
}

// ReleaseBroadcastLease gives the lease up so another instance may take it
// at once.
func ReleaseBroadcastLease(ctx context.Context, db bun.IDB, botID, owner string, epoch int64) error {
	_, err := db.NewUpdate().Model((*BroadcastLease)(nil)).Set("lease_owner = ''").Set("lease_until = NULL").
		Where("bot_id = ?", botID).Where("lease_owner = ?", owner).Where("epoch = ?", epoch).Exec(ctx)
	return wrap("release broadcast lease", err)
}

// BroadcastLeaseOf reads a bot's lease (tests and diagnostics).
func BroadcastLeaseOf(ctx context.Context, db bun.IDB, botID string) (*BroadcastLease, error) {
	l := new(BroadcastLease)
	err := db.NewSelect().Model(l).Where("bot_id = ?", botID).Scan(ctx)
	return l, wrap("broadcast lease of", notFoundAs(err, "lease"))
}

// ActiveBroadcastsOfBot lists a bot's queued and running broadcasts,
// oldest first.
func ActiveBroadcastsOfBot(ctx context.Context, db bun.IDB, botID string) ([]Broadcast, error) {
	var list []Broadcast
	err := db.NewSelect().Model(&list).Where("bot_id = ?", botID).Where("status IN ('queued', 'running')").
		Order("created_at", "id").Scan(ctx)
	return list, wrap("active broadcasts of bot", err)
}

// StartBroadcast moves a queued broadcast to running (keeping the first
// start time) and reports whether it did.
func StartBroadcast(ctx context.Context, db bun.IDB, id string, now time.Time) (bool, error) {
	v0, err := affectedOne(db.NewUpdate().Model((*Broadcast)(nil)).Set("status = ?", BroadcastRunning).
		Set("started_at = coalesce(started_at, ?)", now).Set("updated_at = ?", now).
		Where("id = ?", id).Where("status = ?", BroadcastQueued).Exec(ctx))
	return v0, wrap("start broadcast", err)
}

// HaltBotBroadcasts moves every queued or running broadcast of a bot to
// status (paused or failed) with reason, and returns how many it moved.
func HaltBotBroadcasts(ctx context.Context, db bun.IDB, botID, status, reason string, now time.Time) (int, error) {
	q := db.NewUpdate().Model((*Broadcast)(nil)).Set("status = ?", status).Set("status_reason = ?", clip(reason, 1000)).
		Set("updated_at = ?", now).Where("bot_id = ?", botID).Where("status IN ('queued', 'running')")
	if status == BroadcastFailed {
		q = q.Set("finished_at = ?", now)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, wrap("halt bot broadcasts", err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap("halt bot broadcasts", err)
}

// Candidate is a pending recipient with what the bot knows about them now.
type Candidate struct {
	UserID     int64 `bun:"user_id"`
	Attempts   int   `bun:"attempts"`    // made so far
	Blocked    bool  `bun:"blocked"`     // by the owner since the broadcast was queued: skip
	BotBlocked bool  `bun:"bot_blocked"` // the user blocked the bot since: count as blocked
	Gone       bool  `bun:"gone"`        // no longer a user of the bot
}

// NextCandidates returns up to limit pending recipients of a broadcast
// after user id after, in user id order, that are due (no retry waiting).
func NextCandidates(ctx context.Context, db bun.IDB, botID, broadcastID string, after int64, limit int, now time.Time) ([]Candidate, error) {
	var out []Candidate
	err := db.NewSelect().TableExpr("broadcast_recipients AS r").
		ColumnExpr("r.user_id, r.attempts").
		ColumnExpr("coalesce(u.blocked, FALSE) AS blocked").
		ColumnExpr("coalesce(u.bot_blocked, FALSE) AS bot_blocked").
		ColumnExpr("u.user_id IS NULL AS gone").
		Join("LEFT JOIN bot_users AS u ON u.bot_id = ? AND u.user_id = r.user_id", botID).
		Where("r.broadcast_id = ?", broadcastID).Where("r.status = ?", RecipientPending).Where("r.user_id > ?", after).
		Where("(r.next_attempt_at IS NULL OR r.next_attempt_at <= ?)", now).
		OrderExpr("r.user_id").Limit(int64(limit)).Scan(ctx, &out)
	return out, wrap("next candidates", err)
}

// NextRetryAt is when the earliest recipient waiting for a retry is due,
// or nil when none waits.
func NextRetryAt(ctx context.Context, db bun.IDB, broadcastID string) (*time.Time, error) {
	var at []time.Time
	err := db.NewSelect().Model((*BroadcastRecipient)(nil)).Column("next_attempt_at").
		Where("broadcast_id = ?", broadcastID).Where("status = ?", RecipientPending).Where("next_attempt_at IS NOT NULL").
		Order("next_attempt_at").Limit(1).Scan(ctx, &at)
	if err != nil || len(at) == 0 {
		return nil, wrap("next retry at", err)
	}
	return &at[0], nil
}

// Fence identifies the lease a sender writes under: every write of the
// sender checks that owner still holds the bot's lease in epoch, so a
// sender that lost its lease (a long pause, a partition) cannot claim or
// finish anything any more.
type Fence struct {
	BotID string
	Owner string
	Epoch int64
}

func (f Fence) apply(q *bun.UpdateQuery, broadcastID string) *bun.UpdateQuery {
	return q.Where("EXISTS (SELECT 1 FROM broadcasts WHERE id = ? AND status = ?)", broadcastID, BroadcastRunning).
		Where("EXISTS (SELECT 1 FROM broadcast_leases WHERE bot_id = ? AND lease_owner = ? AND epoch = ?)", f.BotID, f.Owner, f.Epoch)
}

// ClaimRecipient marks a pending recipient as being sent under f, counting
// the attempt, only while the broadcast is running and f holds the lease.
// This is the last database write before the message goes to Telegram.
func ClaimRecipient(ctx context.Context, db bun.IDB, f Fence, broadcastID string, userID int64) (bool, error) {
	q := db.NewUpdate().Model((*BroadcastRecipient)(nil)).Set("status = ?", RecipientSending).
		Set("attempts = attempts + 1").Set("claim = ?", f.Epoch).
		Where("broadcast_id = ?", broadcastID).Where("user_id = ?", userID).Where("status = ?", RecipientPending)
	v0, err := affectedOne(f.apply(q, broadcastID).Exec(ctx))
	return v0, wrap("claim recipient", err)
}

// ReleaseRecipient returns a claimed recipient to pending: Telegram said
// the message was not sent (429, 5xx) or it never left. retryAt delays the
// next attempt; counted=false takes the attempt back (a 429 or a stop is
// not the recipient's failure).
func ReleaseRecipient(ctx context.Context, db bun.IDB, f Fence, broadcastID string, userID int64, retryAt *time.Time, reason string, counted bool) error {
	q := db.NewUpdate().Model((*BroadcastRecipient)(nil)).Set("status = ?", RecipientPending).
		Set("next_attempt_at = ?", retryAt).Set("error = ?", clip(reason, 500)).
		Where("broadcast_id = ?", broadcastID).Where("user_id = ?", userID).
		Where("status = ?", RecipientSending).Where("claim = ?", f.Epoch)
	if !counted {
		q = q.Set("attempts = attempts - 1")
	}
	_, err := q.Exec(ctx)
	return wrap("release recipient", err)
}

// counterOf is the broadcasts column counting each final recipient status.
var counterOf = map[string]string{
	RecipientSent: "sent", RecipientFailed: "failed", RecipientBlocked: "blocked",
	RecipientSkipped: "skipped", RecipientUnconfirmed: "unconfirmed",
}

// Outcome is the final result of one recipient.
type Outcome struct {
	Status    string // sent, failed, blocked, or unconfirmed (no answer came)
	MessageID int64  // when sent
	Error     string // why it failed
}

// RecordOutcome stores the answer Telegram gave to the attempt claimed in
// epoch f.Epoch, and counts it. Run it in a transaction, so the
// recipient's status and the broadcast's counters change together. The
// row must still be that attempt's: sending, or unconfirmed when a new
// lease holder gave up on it meanwhile (then the late answer replaces the
// doubt). It is not fenced by the lease or the status: an answer from
// Telegram is a fact worth keeping whoever holds the lease now. It reports
// whether the row was still the attempt's.
func RecordOutcome(ctx context.Context, db bun.IDB, f Fence, broadcastID string, userID int64, o Outcome, now time.Time) (bool, error) {
	col, ok := counterOf[o.Status]
	if !ok || o.Status == RecipientSkipped {
		return false, wrap("record outcome", fmt.Errorf("%q is not the outcome of a send", o.Status))
	}
	set := func(from string) (bool, error) {
		q := db.NewUpdate().Model((*BroadcastRecipient)(nil)).Set("status = ?", o.Status).
			Set("error = ?", clip(o.Error, 500)).Set("done_at = ?", now).Set("next_attempt_at = NULL").
			Where("broadcast_id = ?", broadcastID).Where("user_id = ?", userID).
			Where("status = ?", from).Where("claim = ?", f.Epoch)
		if o.MessageID != 0 {
			q = q.Set("message_id = ?", o.MessageID)
		}
		return affectedOne(q.Exec(ctx))
	}
	fromSending, err := set(RecipientSending)
	if err != nil {
		return false, wrap("record outcome", err)
	}
	fromDoubt := false
	if !fromSending && o.Status != RecipientUnconfirmed {
		if fromDoubt, err = set(RecipientUnconfirmed); err != nil {
			return false, wrap("record outcome", err)
		}
	}
	if !fromSending && !fromDoubt {
		return false, nil
	}
	q := db.NewUpdate().Model((*Broadcast)(nil)).Set("? = ? + 1", bun.Ident(col), bun.Ident(col)).Set("updated_at = ?", now).
		Where("id = ?", broadcastID)
	if fromDoubt {
		q = q.Set("unconfirmed = unconfirmed - 1")
	}
	if _, err := q.Exec(ctx); err != nil {
		return false, wrap("record outcome", err)
	}
	return true, nil
}

// SettleWithoutSending gives a pending recipient a final status without a
// message — skipped (the owner blocked them) or blocked (they blocked the
// bot) — and counts it, fenced like a claim. Run it in a transaction, so
// the status and the count change together.
func SettleWithoutSending(ctx context.Context, db bun.IDB, f Fence, broadcastID string, userID int64, status, reason string, now time.Time) (bool, error) {
	col := counterOf[status]
	if status != RecipientSkipped && status != RecipientBlocked {
		return false, wrap("settle without sending", fmt.Errorf("%q needs a send", status))
	}
	q := db.NewUpdate().Model((*BroadcastRecipient)(nil)).Set("status = ?", status).Set("error = ?", reason).
		Set("done_at = ?", now).Where("broadcast_id = ?", broadcastID).Where("user_id = ?", userID).
		Where("status = ?", RecipientPending)
	ok, err := affectedOne(f.apply(q, broadcastID).Exec(ctx))
	if err != nil || !ok {
		return false, wrap("settle without sending", err)
	}
	_, err = db.NewUpdate().Model((*Broadcast)(nil)).Set("? = ? + 1", bun.Ident(col), bun.Ident(col)).
		Set("updated_at = ?", now).Where("id = ?", broadcastID).Exec(ctx)
	return err == nil, wrap("settle without sending", err)
}

// BroadcastsInDoubt lists the bot's broadcasts with recipients still
// "sending" under an epoch older than epoch: their sender stopped dead
// while those messages were in flight (see MarkInDoubt).
func BroadcastsInDoubt(ctx context.Context, db bun.IDB, botID string, epoch int64) ([]string, error) {
	var ids []string
	err := db.NewSelect().Model((*BroadcastRecipient)(nil)).ColumnExpr("DISTINCT broadcast_id").
		Where("broadcast_id IN (SELECT id FROM broadcasts WHERE bot_id = ?)", botID).
		Where("status = ?", RecipientSending).Where("claim < ?", epoch).Scan(ctx, &ids)
	return ids, wrap("broadcasts in doubt", err)
}

// MarkInDoubt is what a new lease holder does first, for each broadcast
// BroadcastsInDoubt lists: recipients still "sending" under an older epoch
// were in flight when their sender stopped dead. Whether Telegram
// delivered them cannot be known (the Bot API has no idempotency key and
// no way to read a chat), so they become unconfirmed — counted, shown to
// the owner, and never sent again. Run it in a transaction, so the
// statuses and the count change together. It returns how many rows it
// marked.
func MarkInDoubt(ctx context.Context, db bun.IDB, broadcastID string, epoch int64, now time.Time) (int64, error) {
	res, err := db.NewUpdate().Model((*BroadcastRecipient)(nil)).Set("status = ?", RecipientUnconfirmed).
		Set("error = ?", "Botdeck stopped while this message was in flight; it may or may not have arrived, so it is not sent again.").
		Set("done_at = ?", now).
		Where("broadcast_id = ?", broadcastID).Where("status = ?", RecipientSending).Where("claim < ?", epoch).Exec(ctx)
	if err != nil {
		return 0, wrap("mark in doubt", err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return 0, wrap("mark in doubt", err)
	}
	_, err = db.NewUpdate().Model((*Broadcast)(nil)).Set("unconfirmed = unconfirmed + ?", n).Set("updated_at = ?", now).
		Where("id = ?", broadcastID).Exec(ctx)
	if err != nil {
		return 0, wrap("mark in doubt", err)
	}
	return n, nil
}

// RequeueUnconfirmed makes a done or paused broadcast's unconfirmed
// recipients pending again (fresh attempts) and takes them off the
// unconfirmed count; a done broadcast becomes running so a sender picks it
// up. Run it in a transaction, so the statuses and the count change
// together. It reports false when the broadcast was no longer done or
// paused with unconfirmed recipients.
func RequeueUnconfirmed(ctx context.Context, db bun.IDB, id string, now time.Time) (bool, error) {
	ok, err := affectedOne(db.NewUpdate().Model((*Broadcast)(nil)).
		Set("status = CASE WHEN status = ? THEN ? ELSE status END", BroadcastDone, BroadcastRunning).
		Set("finished_at = CASE WHEN status = ? THEN NULL ELSE finished_at END", BroadcastDone).
		Set("updated_at = ?", now).
		Where("id = ?", id).Where("status IN (?)", bun.In([]string{BroadcastDone, BroadcastPaused})).
		Where("unconfirmed > 0").Exec(ctx))
	if err != nil || !ok {
		return false, wrap("requeue unconfirmed", err)
	}
	res, err := db.NewUpdate().Model((*BroadcastRecipient)(nil)).Set("status = ?", RecipientPending).
		Set("attempts = 0").Set("next_attempt_at = NULL").Set("error = ''").Set("done_at = NULL").
		Where("broadcast_id = ?", id).Where("status = ?", RecipientUnconfirmed).Exec(ctx)
	if err != nil {
		return false, wrap("requeue unconfirmed", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap("requeue unconfirmed", err)
	}
	_, err = db.NewUpdate().Model((*Broadcast)(nil)).Set("unconfirmed = unconfirmed - ?", n).Where("id = ?", id).Exec(ctx)
	return err == nil, wrap("requeue unconfirmed", err)
}

// FinishIfComplete marks a running broadcast done when no recipient is
// left pending or in flight, and reports whether it did.
func FinishIfComplete(ctx context.Context, db bun.IDB, broadcastID string, now time.Time) (bool, error) {
	v0, err := affectedOne(db.NewUpdate().Model((*Broadcast)(nil)).Set("status = ?", BroadcastDone).Set("status_reason = ''").
		Set("finished_at = ?", now).Set("updated_at = ?", now).
		Where("id = ?", broadcastID).Where("status = ?", BroadcastRunning).
		Where("NOT EXISTS (SELECT 1 FROM broadcast_recipients WHERE broadcast_id = ? AND status IN (?, ?))",
			broadcastID, RecipientPending, RecipientSending).Exec(ctx))
	return v0, wrap("finish if complete", err)
}

// BroadcastStillRunning reports whether a broadcast is running and f still
// holds its bot's lease: checked before a message held back by a 429 is
// sent again.
func BroadcastStillRunning(ctx context.Context, db bun.IDB, f Fence, broadcastID string) (bool, error) {
	n, err := db.NewSelect().Model((*Broadcast)(nil)).Where("id = ?", broadcastID).Where("status = ?", BroadcastRunning).
		Where("EXISTS (SELECT 1 FROM broadcast_leases WHERE bot_id = ? AND lease_owner = ? AND epoch = ?)", f.BotID, f.Owner, f.Epoch).
		Count(ctx)
	return n == 1, wrap("broadcast still running", err)
}
