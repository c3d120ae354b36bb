package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Relay is where a bot's updates are delivered after Botdeck processed
// them: the owner's own bot server. DeliveredThrough is the cursor (the
// last update_id handed over, by POST or by the Bot API proxy's
// getUpdates); Attempts, NextAttemptAt and FailingSince are the retry state
// of the update at the head of the line; Warning is the reason shown on the
// bot once delivery has failed long enough.
type Relay struct {
	bun.BaseModel `bun:"table:bot_relays"`

	BotID            string     `bun:"bot_id,pk"`
	URL              string     `bun:"url"`
	Enabled          bool       `bun:"enabled"`
	SecretCiphertext []byte     `bun:"secret_ciphertext"`
	DeliveredThrough int64      `bun:"delivered_through"`
	Attempts         int        `bun:"attempts"`
	NextAttemptAt    *time.Time `bun:"next_attempt_at"`
	FailingSince     *time.Time `bun:"failing_since"`
	LastError        string     `bun:"last_error"`
	Warning          string     `bun:"warning"`
	LastDeliveredAt  *time.Time `bun:"last_delivered_at"`
	LeaseOwner       string     `bun:"lease_owner"`
	LeaseUntil       *time.Time `bun:"lease_until"`
	CreatedAt        time.Time  `bun:"created_at"`
	UpdatedAt        time.Time  `bun:"updated_at"`
}

// Active reports whether the relay delivers: enabled with a target.
func (r *Relay) Active() bool { return r != nil && r.Enabled && r.URL != "" }

// Relay delivery outcomes.
const (
	DeliveryOK     = "ok"
	DeliveryFailed = "failed"
)

// RelayDelivery is one attempt to deliver one update.
type RelayDelivery struct {
	bun.BaseModel `bun:"table:relay_deliveries"`

	ID         int64     `bun:"id,pk,autoincrement"`
	BotID      string    `bun:"bot_id"`
	UpdateID   int64     `bun:"update_id"`
	Status     string    `bun:"status"`
	HTTPStatus int       `bun:"http_status"`
	DurationMs int       `bun:"duration_ms"`
	Attempts   int       `bun:"attempts"`
	Error      string    `bun:"error"`
	At         time.Time `bun:"at"`
}

// RelayOf reads a bot's relay, or nil when it never had one.
func RelayOf(ctx context.Context, db bun.IDB, botID string) (*Relay, error) {
	r := new(Relay)
	err := db.NewSelect().Model(r).Where("bot_id = ?", botID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, wrap("relay of", err)
}

// InsertRelayIfMissing creates r unless the bot has a relay already, and
// reports whether it did.
func InsertRelayIfMissing(ctx context.Context, db bun.IDB, r *Relay) (bool, error) {
	ok, err := affectedOne(db.NewInsert().Model(r).On("CONFLICT (bot_id) DO NOTHING").Exec(ctx))
	return ok, wrap("insert relay", err)
}

// SetRelayTarget changes where and whether a bot's updates are relayed. A
// changed target starts afresh: the retry state and any warning are
// cleared, so the head update is tried at once.
func SetRelayTarget(ctx context.Context, db bun.IDB, botID, url string, enabled bool, now time.Time) error {
	_, err := db.NewUpdate().Model((*Relay)(nil)).Set("url = ?", url).Set("enabled = ?", enabled).
		Set("attempts = 0").Set("next_attempt_at = NULL").Set("failing_since = NULL").Set("last_error = ''").
		Set("updated_at = ?", now).Where("bot_id = ?", botID).Exec(ctx)
	return wrap("set relay target", err)
}

// SetRelaySecret replaces the sealed secret.
func SetRelaySecret(ctx context.Context, db bun.IDB, botID string, sealed []byte, now time.Time) error {
	_, err := db.NewUpdate().Model((*Relay)(nil)).Set("secret_ciphertext = ?", sealed).Set("updated_at = ?", now).
		Where("bot_id = ?", botID).Exec(ctx)
	return wrap("set relay secret", err)
}

// SetRelayWarning records the reason a bot's relay warns ("" clears it).
func SetRelayWarning(ctx context.Context, db bun.IDB, botID, warning string) error {
	_, err := db.NewUpdate().Model((*Relay)(nil)).Set("warning = ?", warning).Where("bot_id = ?", botID).Exec(ctx)
	return wrap("set relay warning", err)
}

// RelayWarning is the warning of a bot's enabled relay, "" when none.
func RelayWarning(ctx context.Context, db bun.IDB, botID string) (string, error) {
	var w []string
	err := db.NewSelect().Model((*Relay)(nil)).Column("warning").Where("bot_id = ?", botID).
		Where("enabled = ?", true).Where("warning <> ''").Scan(ctx, &w)
	if err != nil || len(w) == 0 {
		return "", wrap("relay warning", err)
	}
	return w[0], nil
}

// LatestUpdateID is the highest update_id stored for a bot (0 when none),
// considering only updates received before before when before is not zero.
func LatestUpdateID(ctx context.Context, db bun.IDB, botID string, before time.Time) (int64, error) {
	var id sql.NullInt64
	q := db.NewSelect().Model((*StoredUpdate)(nil)).ColumnExpr("max(update_id)").Where("bot_id = ?", botID)
	if !before.IsZero() {
		q = q.Where("received_at < ?", before)
	}
	err := q.Scan(ctx, &id)
	return id.Int64, wrap("latest update id", err)
}

// AdvanceRelayCursor moves the cursor forward to through (never back) and
// clears the head's retry state when it moved: the update being retried
// was passed over. It reports whether the cursor moved.
func AdvanceRelayCursor(ctx context.Context, db bun.IDB, botID string, through int64, now time.Time) (bool, error) {
	ok, err := affectedOne(db.NewUpdate().Model((*Relay)(nil)).Set("delivered_through = ?", through).
		Set("attempts = 0").Set("next_attempt_at = NULL").Set("updated_at = ?", now).
		Where("bot_id = ?", botID).Where("delivered_through < ?", through).Exec(ctx))
	return ok, wrap("advance relay cursor", err)
}

// DueRelayBots lists up to limit bots whose relay has something to deliver
// now: enabled, running bot, not waiting for a retry, lease free (or
// expired, or already ours), and the update after the cursor processed.
func DueRelayBots(ctx context.Context, db bun.IDB, owner string, now time.Time, limit int) ([]string, error) {
	var ids []string
	err := db.NewSelect().TableExpr("bot_relays AS r").Column("r.bot_id").
		Join("JOIN bots AS b ON b.id = r.bot_id").
		Where("r.enabled = ?", true).Where("r.url <> ''").
		Where("b.status IN (?)", bun.In([]string{BotActive, BotWarning})).
		Where("(r.next_attempt_at IS NULL OR r.next_attempt_at <= ?)", now).
		Where("(r.lease_owner = '' OR r.lease_owner = ? OR r.lease_until IS NULL OR r.lease_until < ?)", owner, now).
		Where(`(SELECT u.processed_at FROM updates AS u WHERE u.bot_id = r.bot_id AND u.update_id > r.delivered_through
			ORDER BY u.update_id LIMIT 1) IS NOT NULL`).
		OrderExpr("r.next_attempt_at ASC NULLS FIRST, r.bot_id").Limit(int64(limit)).Scan(ctx, &ids)
	return ids, wrap("due relay bots", err)
}

// AcquireRelayLease takes (or renews) the right to deliver a bot's updates
// until until: it succeeds when nobody holds the lease, it expired, or
// owner holds it. One statement, so two instances racing cannot both win.
func AcquireRelayLease(ctx context.Context, db bun.IDB, botID, owner string, until, now time.Time) (bool, error) {
	ok, err := affectedOne(db.NewUpdate().Model((*Relay)(nil)).Set("lease_owner = ?", owner).Set("lease_until = ?", until).
		Where("bot_id = ?", botID).
		Where("(lease_owner = '' OR lease_owner = ? OR lease_until IS NULL OR lease_until < ?)", owner, now).Exec(ctx))
	return ok, wrap("acquire relay lease", err)
}

// ReleaseRelayLease gives the lease up if owner holds it.
func ReleaseRelayLease(ctx context.Context, db bun.IDB, botID, owner string) error {
	_, err := db.NewUpdate().Model((*Relay)(nil)).Set("lease_owner = ''").Set("lease_until = NULL").
		Where("bot_id = ?", botID).Where("lease_owner = ?", owner).Exec(ctx)
	return wrap("release relay lease", err)
}

// RelayUpdatesAfter returns up to limit of a bot's stored updates after
// the cursor, in update_id order (processed or not: the caller stops at
// the first one Botdeck has not processed yet).
func RelayUpdatesAfter(ctx context.Context, db bun.IDB, botID string, after int64, limit int) ([]StoredUpdate, error) {
	var out []StoredUpdate
	err := db.NewSelect().Model(&out).Where("bot_id = ?", botID).Where("update_id > ?", after).
		Order("update_id").Limit(int64(limit)).Scan(ctx)
	return out, wrap("relay updates after", err)
}

// RelayDelivered records that updateID reached the owner's server: the
// cursor moves to it and the retry state is cleared, only while owner
// holds the lease. False means the lease was lost (stop delivering).
func RelayDelivered(ctx context.Context, db bun.IDB, botID, owner string, updateID int64, leaseUntil, now time.Time) (bool, error) {
	ok, err := affectedOne(db.NewUpdate().Model((*Relay)(nil)).Set("delivered_through = ?", updateID).
		Set("attempts = 0").Set("next_attempt_at = NULL").Set("failing_since = NULL").Set("last_error = ''").
		Set("last_delivered_at = ?", now).Set("lease_until = ?", leaseUntil).Set("updated_at = ?", now).
		Where("bot_id = ?", botID).Where("lease_owner = ?", owner).Where("delivered_through < ?", updateID).Exec(ctx))
	return ok, wrap("relay delivered", err)
}

// RelayFailed records a failed attempt at the head update: the attempt
// count, when to try again, since when delivery fails and why, only while
// owner holds the lease.
func RelayFailed(ctx context.Context, db bun.IDB, botID, owner string, attempts int, next, failingSince time.Time, reason string, now time.Time) (bool, error) {
	ok, err := affectedOne(db.NewUpdate().Model((*Relay)(nil)).Set("attempts = ?", attempts).
		Set("next_attempt_at = ?", next).Set("failing_since = ?", failingSince).Set("last_error = ?", clip(reason, 500)).
		Set("updated_at = ?", now).Where("bot_id = ?", botID).Where("lease_owner = ?", owner).Exec(ctx))
	return ok, wrap("relay failed", err)
}

// InsertRelayDelivery logs one attempt.
func InsertRelayDelivery(ctx context.Context, db bun.IDB, d *RelayDelivery) error {
	d.Error = clip(d.Error, 500)
	_, err := db.NewInsert().Model(d).Exec(ctx)
	return wrap("insert relay delivery", err)
}

// InsertRelayDeliveries logs several attempts in one statement.
func InsertRelayDeliveries(ctx context.Context, db bun.IDB, ds []*RelayDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	for _, d := range ds {
		d.Error = clip(d.Error, 500)
	}
	_, err := db.NewInsert().Model(&ds).Exec(ctx)
	return wrap("insert relay deliveries", err)
}

// ListRelayDeliveries returns the window w of a bot's delivery log, newest
// first, optionally only one status, and the number matching.
func ListRelayDeliveries(ctx context.Context, db bun.IDB, botID, status string, w Window) ([]RelayDelivery, int, error) {
	q := db.NewSelect().Model((*RelayDelivery)(nil)).Where("bot_id = ?", botID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	out := []RelayDelivery{}
	total, err := q.Order("id DESC").Limit(int64(w.Limit)).Offset(int64(w.Offset)).ScanAndCount(ctx, &out)
	return out, int(total), wrap("list relay deliveries", err)
}

// RelayBacklog counts a bot's stored updates after the cursor.
func RelayBacklog(ctx context.Context, db bun.IDB, botID string, after int64) (int, error) {
	n, err := db.NewSelect().Model((*StoredUpdate)(nil)).Where("bot_id = ?", botID).Where("update_id > ?", after).Count(ctx)
	return int(n), wrap("relay backlog", err)
}

// PruneRelayDeliveries deletes log entries older than cutoff, at most
// limit per call.
func PruneRelayDeliveries(ctx context.Context, db bun.IDB, cutoff time.Time, limit int) (int64, error) {
	sub := db.NewSelect().Model((*RelayDelivery)(nil)).Column("id").Where("at < ?", cutoff).Limit(int64(limit))
	res, err := db.NewDelete().Model((*RelayDelivery)(nil)).Where("id IN (?)", sub).Exec(ctx)
	if err != nil {
		return 0, wrap("prune relay deliveries", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("prune relay deliveries", err)
}

// LiveBotByTokenHash finds the running or stopped bot whose token has the
// given lookup hash (the Bot API proxy's way in), or nil.
func LiveBotByTokenHash(ctx context.Context, db bun.IDB, hash string) (*Bot, error) {
	b := new(Bot)
	err := db.NewSelect().Model(b).Where("token_hash = ?", hash).
		Where("status NOT IN (?)", bun.In([]string{BotDeleted, BotConnecting})).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return b, wrap("live bot by token hash", err)
}

// PollableUpdates returns up to limit of a bot's processed updates after
// the cursor, in update_id order, stopping before the first one Botdeck has
// not processed yet (so none overtakes it). kinds, when not empty, keeps
// only those types; skip leaves types out.
func PollableUpdates(ctx context.Context, db bun.IDB, botID string, after int64, kinds, skip []string, limit int) ([]StoredUpdate, error) {
	var first sql.NullInt64
	err := db.NewSelect().Model((*StoredUpdate)(nil)).ColumnExpr("min(update_id)").Where("bot_id = ?", botID).
		Where("update_id > ?", after).Where("processed_at IS NULL").Scan(ctx, &first)
	if err != nil {
		return nil, wrap("pollable updates", err)
	}
	q := db.NewSelect().Model((*StoredUpdate)(nil)).Where("bot_id = ?", botID).Where("update_id > ?", after)
	if first.Valid {
		q = q.Where("update_id < ?", first.Int64)
	}
	if len(kinds) > 0 {
		q = q.Where("kind IN (?)", bun.In(kinds))
	}
	if len(skip) > 0 {
		q = q.Where("kind NOT IN (?)", bun.In(skip))
	}
	var out []StoredUpdate
	err = q.Order("update_id").Limit(int64(limit)).Scan(ctx, &out)
	return out, wrap("pollable updates", err)
}

// NthLatestUpdateID is the update_id n places from the end of a bot's
// updates after the cursor (1 = the last), or 0 when there are fewer.
func NthLatestUpdateID(ctx context.Context, db bun.IDB, botID string, after int64, n int) (int64, error) {
	var ids []int64
	err := db.NewSelect().Model((*StoredUpdate)(nil)).Column("update_id").Where("bot_id = ?", botID).
		Where("update_id > ?", after).Order("update_id DESC").Limit(int64(n)).Scan(ctx, &ids)
	if err != nil || len(ids) < n {
		return 0, wrap("nth latest update id", err)
	}
	return ids[n-1], nil
}
