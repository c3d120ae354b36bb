package models

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

// EventRecord is one row of the live events log (internal/events owns the
// meaning; this is only its storage).
type EventRecord struct {
	bun.BaseModel `bun:"table:events"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Scope     string    `bun:"scope"`
	BotID     string    `bun:"bot_id"`
	Kind      string    `bun:"kind"`
	Subject   string    `bun:"subject"`
	Data      string    `bun:"data"`
	CreatedAt time.Time `bun:"created_at"`
}

// InsertEvent appends e to the log inside db (a transaction or the
// database) and sets its id. On PostgreSQL, when channel is set, the same
// statement sends a NOTIFY on it, which PostgreSQL delivers when (and only
// if) the transaction commits; identical notifications of one transaction
// are folded into one.
func InsertEvent(ctx context.Context, db bun.IDB, e *EventRecord, channel string) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = Now()
	}
	if channel != "" && sqldialect.IsPostgres(db) {
		err := db.NewRaw(`WITH e AS (INSERT INTO events (scope, bot_id, kind, subject, data, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id),
			n AS (SELECT pg_notify(?, ''))
			SELECT e.id FROM e, n`,
			e.Scope, e.BotID, e.Kind, e.Subject, e.Data, e.CreatedAt, channel).Scan(ctx, &e.ID)
		if err != nil {
			return fmt.Errorf("store: insert event: %w", err)
		}
		return nil
	}
	if _, err := db.NewInsert().Model(e).Returning("id").Exec(ctx); err != nil {
		return fmt.Errorf("store: insert event: %w", err)
	}
	return nil
}

// InsertEvents appends several events in one statement (and, on
// PostgreSQL with channel set, one NOTIFY), setting their ids in order.
func InsertEvents(ctx context.Context, db bun.IDB, es []*EventRecord, channel string) error {
	if len(es) == 0 {
		return nil
	}
	now := Now()
	for _, e := range es {
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
	}
	ins := db.NewInsert().Model(&es).Returning("id")
	var ids []int64
	var err error
	if channel != "" && sqldialect.IsPostgres(db) {
		err = db.NewRaw(`WITH e AS (?), n AS (SELECT pg_notify(?, '')) SELECT e.id FROM e, n ORDER BY e.id`, ins, channel).Scan(ctx, &ids)
	} else {
		_, err = ins.Exec(ctx, &ids)
		slices.Sort(ids)
	}
	if err != nil {
		return fmt.Errorf("store: insert events: %w", err)
	}
	if len(ids) != len(es) {
		return fmt.Errorf("store: insert events: %d ids for %d events", len(ids), len(es))
	}
	for i, e := range es {
		e.ID = ids[i] // a multi-row insert takes ids from the sequence in row order
	}
	return nil
}

// EventsAfter returns, oldest first, at most limit events with an id above
// after or in also (ids below after that were not visible before).
func EventsAfter(ctx context.Context, db bun.IDB, after int64, also []int64, limit int) ([]EventRecord, error) {
	var list []EventRecord
	q := db.NewSelect().Model(&list).Order("id").Limit(int64(limit))
	if len(also) > 0 {
		q = q.Where("(id > ? OR id IN (?))", after, bun.In(also))
	} else {
		q = q.Where("id > ?", after)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: read events: %w", err)
	}
	return list, nil
}

// EventReplay selects the events of one scope that a reconnecting stream
// missed: after After (or in Also), up to UpTo, except the ids in Except,
// narrowed by bot, kinds and subject when set. With Member set, another
// member's notifications are left out; with Notifications too, the member's
// own notifications are selected whatever bot, kinds and subject say.
type EventReplay struct {
	Scope         string
	After         int64
	Also          []int64
	UpTo          int64
	Except        []int64
	BotID         string
	Kinds         []string
	Subject       string
	Member        string
	Notifications bool
	Limit         int
}

// eventNotification is the kind of a member's notification events (events.KindNotification).
const eventNotification = "notification"

// ReplayEvents returns the events r selects, oldest first.
func ReplayEvents(ctx context.Context, db bun.IDB, r EventReplay) ([]EventRecord, error) {
	var list []EventRecord
	q := db.NewSelect().Model(&list).Where("scope = ?", r.Scope).Where("id <= ?", r.UpTo).Order("id").Limit(int64(r.Limit))
	if len(r.Also) > 0 {
		q = q.Where("(id > ? OR id IN (?))", r.After, bun.In(r.Also))
	} else {
		q = q.Where("id > ?", r.After)
	}
	if len(r.Except) > 0 {
		q = q.Where("id NOT IN (?)", bun.In(r.Except))
	}
	if r.Member != "" {
		q = q.Where("(kind <> ? OR subject = ?)", eventNotification, r.Member)
	}
	narrowed := r.BotID != "" || len(r.Kinds) > 0 || r.Subject != ""
	if narrowed {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.WhereGroup(" OR ", func(q *bun.SelectQuery) *bun.SelectQuery {
				if r.BotID != "" {
					q = q.Where("bot_id = ?", r.BotID)
				}
				if len(r.Kinds) > 0 {
					q = q.Where("kind IN (?)", bun.In(r.Kinds))
				}
				if r.Subject != "" {
					q = q.Where("subject = ?", r.Subject)
				}
				return q
			})
			if r.Notifications && r.Member != "" {
				q = q.WhereOr("(kind = ? AND subject = ?)", eventNotification, r.Member)
			}
			return q
		})
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: replay events: %w", err)
	}
	return list, nil
}

// EventIDsAbove returns the ids above after, in order (at most limit).
func EventIDsAbove(ctx context.Context, db bun.IDB, after int64, limit int) ([]int64, error) {
	var ids []int64
	err := db.NewSelect().Model((*EventRecord)(nil)).Column("id").Where("id > ?", after).Order("id").Limit(int64(limit)).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("store: list event ids: %w", err)
	}
	return ids, nil
}

// EventIDRange returns the smallest and largest id in the log (0, 0 when
// it is empty).
func EventIDRange(ctx context.Context, db bun.IDB) (oldest, latest int64, err error) {
	err = db.NewSelect().Model((*EventRecord)(nil)).ColumnExpr("coalesce(min(id), 0), coalesce(max(id), 0)").Scan(ctx, &oldest, &latest)
	if err != nil {
		return 0, 0, fmt.Errorf("store: event id range: %w", err)
	}
	return oldest, latest, nil
}

// PruneEvents deletes at most limit events created before cutoff and
// returns how many it deleted.
func PruneEvents(ctx context.Context, db bun.IDB, cutoff time.Time, limit int) (int64, error) {
	sub := db.NewSelect().Model((*EventRecord)(nil)).Column("id").Where("created_at < ?", cutoff).Order("id").Limit(int64(limit))
	res, err := db.NewDelete().Model((*EventRecord)(nil)).Where("id IN (?)", sub).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: prune events: %w", err)
	}
	return res.RowsAffected()
}
