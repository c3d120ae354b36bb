package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

// Notification kinds.
const (
	NotifyBotWarning      = "bot_warning"      // a bot went into warning (or, titled "recovered", back)
	NotifyBotError        = "bot_error"        // Telegram rejects a bot's token (or, recovered, accepts it again)
	NotifyRelayFailing    = "relay_failing"    // relay delivery fails (or works again)
	NotifyHandlerErrors   = "handler_errors"   // a burst of bot code errors: one per bot per 10 minutes
	NotifyBroadcastDone   = "broadcast_done"   // a broadcast reached everyone it could
	NotifyBroadcastFailed = "broadcast_failed" // a broadcast stopped on errors
	NotifyNewConversation = "new_conversation" // someone wrote to a bot for the first time
)

// NotificationKinds lists every kind, in the settings' order.
var NotificationKinds = []string{NotifyBotWarning, NotifyBotError, NotifyRelayFailing, NotifyHandlerErrors,
	NotifyBroadcastDone, NotifyBroadcastFailed, NotifyNewConversation}

// Telegram states of a notification.
const (
	TelegramNone      = ""          // not for Telegram (the member turned it off)
	TelegramPending   = "pending"   // waiting for the sender
	TelegramSent      = "sent"      // queued on the bot's outbox
	TelegramLimited   = "limited"   // held back by the member's rate limit; counted in the next one sent
	TelegramCollapsed = "collapsed" // a limited one, counted as "and N more" in a later message
	TelegramSkipped   = "skipped"   // not sendable (no linked account, the bot cannot send); see telegram_note
)

// Notification is one thing a member is told about.
type Notification struct {
	bun.BaseModel `bun:"table:notifications"`

	ID            string     `bun:"id,pk"`
	OwnerID       string     `bun:"owner_id"` // the bot's owner (a workspace later)
	UserID        string     `bun:"user_id"`  // the recipient member
	Kind          string     `bun:"kind"`
	BotID         string     `bun:"bot_id"`
	Title         string     `bun:"title"`
	Body          string     `bun:"body"`
	URL           string     `bun:"url"`
	DedupeKey     string     `bun:"dedupe_key"`
	InApp         bool       `bun:"in_app"`
	ReadAt        *time.Time `bun:"read_at"`
	CreatedAt     time.Time  `bun:"created_at"`
	TelegramState string     `bun:"telegram_state"`
	TelegramNote  string     `bun:"telegram_note"`
	TelegramAt    *time.Time `bun:"telegram_at"`
}

// InsertNotifications stores notifications, skipping any whose (user,
// dedupe key) is already there, and returns those it inserted.
func InsertNotifications(ctx context.Context, db bun.IDB, ns []*Notification) ([]*Notification, error) {
	if len(ns) == 0 {
		return nil, nil
	}
	now := Now()
	for _, n := range ns {
		if n.ID == "" {
			n.ID = NewID("ntf")
		}
		if n.CreatedAt.IsZero() {
			n.CreatedAt = now
		}
		n.Title, n.Body = clip(CleanText(n.Title), 200), clip(CleanText(n.Body), 2000)
	}
	var ids []string
	_, err := db.NewInsert().Model(&ns).On("CONFLICT (user_id, dedupe_key) DO NOTHING").Returning("id").Exec(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, wrap("insert notifications", err)
	}
	in := make(map[string]bool, len(ids))
	for _, id := range ids {
		in[id] = true
	}
	var out []*Notification
	for _, n := range ns {
		if in[n.ID] {
			out = append(out, n)
		}
	}
	return out, nil
}

// ListNotifications returns the window w of a member's in-app
// notifications (only unread ones when unread), newest first, and how many
// there are.
func ListNotifications(ctx context.Context, db bun.IDB, userID string, unread bool, w Window) ([]Notification, int, error) {
	var list []Notification
	q := db.NewSelect().Model(&list).Where("user_id = ?", userID).Where("in_app")
	if unread {
		q = q.Where("read_at IS NULL")
	}
	n, err := q.Order("created_at DESC", "id DESC").Limit(int64(w.Limit)).Offset(int64(w.Offset)).ScanAndCount(ctx)
	return list, int(n), wrap("list notifications", err)
}

// CountUnreadNotifications counts a member's unread in-app notifications.
func CountUnreadNotifications(ctx context.Context, db bun.IDB, userID string) (int64, error) {
	n, err := db.NewSelect().Model((*Notification)(nil)).Where("user_id = ?", userID).Where("in_app").
		Where("read_at IS NULL").Count(ctx)
	return int64(n), wrap("count unread notifications", err)
}

// MarkNotificationsRead marks a member's notifications read: those of ids,
// or every one when all. Ids of other members' notifications are ignored.
// It returns how many changed.
func MarkNotificationsRead(ctx context.Context, db bun.IDB, userID string, ids []string, all bool, now time.Time) (int64, error) {
	if !all && len(ids) == 0 {
		return 0, nil
	}
	q := db.NewUpdate().Model((*Notification)(nil)).Set("read_at = ?", now).Where("user_id = ?", userID).
		Where("read_at IS NULL").Where("in_app")
	if !all {
		q = q.Where("id IN (?)", bun.In(ids))
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, wrap("mark notifications read", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("mark notifications read", err)
}

// NotificationSetting is what a member chose for one kind.
type NotificationSetting struct {
	bun.BaseModel `bun:"table:notification_settings"`

	UserID   string `bun:"user_id,pk"`
	Kind     string `bun:"kind,pk"`
	InApp    bool   `bun:"in_app"`
	Telegram bool   `bun:"telegram"`
}

// NotificationSettingsOf returns the rows members saved (kinds they never
// changed have none), for one kind or every kind when kind is "".
func NotificationSettingsOf(ctx context.Context, db bun.IDB, userIDs []string, kind string) ([]NotificationSetting, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	var out []NotificationSetting
	q := db.NewSelect().Model(&out).Where("user_id IN (?)", bun.In(userIDs))
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	return out, wrap("notification settings", q.Scan(ctx))
}

// MemberSetting is a workspace member and the setting they saved for one
// kind of notification (Saved false: they never changed it).
type MemberSetting struct {
	UserID   string `bun:"user_id"`
	Saved    bool   `bun:"saved"`
	InApp    bool   `bun:"in_app"`
	Telegram bool   `bun:"telegram"`
}

// MemberSettingsOf returns the members of a workspace with their saved
// setting for kind, in user id order: one statement for what a
// notification's fan-out needs.
func MemberSettingsOf(ctx context.Context, db bun.IDB, workspaceID, kind string) ([]MemberSetting, error) {
	var out []MemberSetting
	err := db.NewSelect().TableExpr("workspace_members AS m").
		Join("LEFT JOIN notification_settings AS s ON s.user_id = m.user_id AND s.kind = ?", kind).
		ColumnExpr("m.user_id, s.user_id IS NOT NULL AS saved").
		ColumnExpr("coalesce(s.in_app, ?) AS in_app, coalesce(s.telegram, ?) AS telegram", false, false).
		Where("m.workspace_id = ?", workspaceID).OrderExpr("m.user_id").Scan(ctx, &out)
	return out, wrap("member notification settings", err)
}

// SaveNotificationSettings writes a member's choices (one row per kind).
func SaveNotificationSettings(ctx context.Context, db bun.IDB, rows []NotificationSetting) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := db.NewInsert().Model(&rows).On("CONFLICT (user_id, kind) DO UPDATE").
		Set("in_app = EXCLUDED.in_app").Set("telegram = EXCLUDED.telegram").Exec(ctx)
	return wrap("save notification settings", err)
}

// NotificationMark is the last state notified for one topic.
type NotificationMark struct {
	bun.BaseModel `bun:"table:notification_marks"`

	Topic     string    `bun:"topic,pk"`
	Value     string    `bun:"value"`
	Seq       int64     `bun:"seq"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// MoveNotificationMark moves topic's mark to value, and reports the value
// it had ("" for a new topic) and its new sequence number, or moved false
// when nothing changed. With quiet > 0 an unchanged value moves anyway
// once quiet has passed since it last moved (a burst that goes on is
// notified again). The row is locked while it is compared (FOR UPDATE on
// PostgreSQL; SQLite has one writer), so concurrent transactions seeing
// the same transition move it once: call it inside the transaction that
// makes the change, and notify only when it moved.
func MoveNotificationMark(ctx context.Context, db bun.IDB, topic, value string, now time.Time, quiet time.Duration) (old string, seq int64, moved bool, err error) {
	if _, err := db.NewInsert().Model(&NotificationMark{Topic: topic, UpdatedAt: now}).
		On("CONFLICT (topic) DO NOTHING").Exec(ctx); err != nil {
		return "", 0, false, wrap("move notification mark", err)
	}
	m := new(NotificationMark)
	q := db.NewSelect().Model(m).Where("topic = ?", topic)
	if sqldialect.IsPostgres(db) {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return "", 0, false, wrap("move notification mark", err)
	}
	if m.Value == value && (quiet <= 0 || m.Seq > 0 && now.Sub(m.UpdatedAt) < quiet) {
		return m.Value, m.Seq, false, nil
	}
	_, err = db.NewUpdate().Model((*NotificationMark)(nil)).Set("value = ?", value).Set("seq = seq + 1").
		Set("updated_at = ?", now).Where("topic = ?", topic).Exec(ctx)
	if err != nil {
		return "", 0, false, wrap("move notification mark", err)
	}
	return m.Value, m.Seq + 1, true, nil
}

// ---- The Telegram sender's store (internal/jobs/notifier.go) ----

type notificationLease struct {
	bun.BaseModel `bun:"table:notification_leases"`

	Name       string    `bun:"name,pk"`
	LeaseOwner string    `bun:"lease_owner"`
	LeaseUntil time.Time `bun:"lease_until"`
}

// TakeNotificationLease takes or renews the lease called name for owner
// until now+d, and reports whether owner holds it.
func TakeNotificationLease(ctx context.Context, db bun.IDB, name, owner string, now time.Time, d time.Duration) (bool, error) {
	var got []string
	_, err := db.NewInsert().Model(&notificationLease{Name: name, LeaseOwner: owner, LeaseUntil: now.Add(d)}).
		On("CONFLICT (name) DO UPDATE").Set("lease_owner = EXCLUDED.lease_owner").Set("lease_until = EXCLUDED.lease_until").
		Where("?TableAlias.lease_owner = EXCLUDED.lease_owner OR ?TableAlias.lease_until < ?", now).
		Returning("lease_owner").Exec(ctx, &got)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, wrap("take notification lease", err)
	}
	return len(got) == 1 && got[0] == owner, nil
}

// ReleaseNotificationLease gives up owner's lease (at shutdown).
func ReleaseNotificationLease(ctx context.Context, db bun.IDB, name, owner string) error {
	_, err := db.NewDelete().Model((*notificationLease)(nil)).Where("name = ?", name).Where("lease_owner = ?", owner).Exec(ctx)
	return wrap("release notification lease", err)
}

// HoldsNotificationLease reports, inside the sender's transaction, whether
// owner still holds the lease (on PostgreSQL the row stays locked until the
// transaction ends, so a lease cannot change hands in between).
func HoldsNotificationLease(ctx context.Context, db bun.IDB, name, owner string, now time.Time) (bool, error) {
	var names []string
	q := db.NewSelect().Model((*notificationLease)(nil)).Column("name").Where("name = ?", name).
		Where("lease_owner = ?", owner).Where("lease_until >= ?", now)
	if sqldialect.IsPostgres(db) {
		q = q.For("SHARE")
	}
	err := q.Scan(ctx, &names)
	return len(names) == 1, wrap("holds notification lease", err)
}

// PendingTelegramNotifications returns up to limit notifications waiting
// for the Telegram sender, oldest first.
func PendingTelegramNotifications(ctx context.Context, db bun.IDB, limit int) ([]Notification, error) {
	var out []Notification
	err := db.NewSelect().Model(&out).Where("telegram_state = ?", TelegramPending).Order("created_at", "id").
		Limit(int64(limit)).Scan(ctx)
	return out, wrap("pending telegram notifications", err)
}

// SetTelegramState moves one pending notification to state, with a note,
// and reports whether it was still pending.
func SetTelegramState(ctx context.Context, db bun.IDB, id, state, note string, now time.Time) (bool, error) {
	ok, err := affectedOne(db.NewUpdate().Model((*Notification)(nil)).Set("telegram_state = ?", state).
		Set("telegram_note = ?", clip(note, 500)).Set("telegram_at = ?", now).
		Where("id = ?", id).Where("telegram_state = ?", TelegramPending).Exec(ctx))
	return ok, wrap("set telegram state", err)
}

// CountTelegramSentSince counts a member's notifications sent on Telegram
// since since (the rate limit).
func CountTelegramSentSince(ctx context.Context, db bun.IDB, userID string, since time.Time) (int, error) {
	n, err := db.NewSelect().Model((*Notification)(nil)).Where("user_id = ?", userID).
		Where("telegram_state = ?", TelegramSent).Where("telegram_at >= ?", since).Count(ctx)
	return int(n), wrap("count telegram sent", err)
}

// CollapseLimited marks a member's limited notifications collapsed and
// returns how many: the next message sent says "and N more".
func CollapseLimited(ctx context.Context, db bun.IDB, userID string, now time.Time) (int64, error) {
	res, err := db.NewUpdate().Model((*Notification)(nil)).Set("telegram_state = ?", TelegramCollapsed).
		Set("telegram_at = ?", now).Where("user_id = ?", userID).Where("telegram_state = ?", TelegramLimited).Exec(ctx)
	if err != nil {
		return 0, wrap("collapse limited notifications", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("collapse limited notifications", err)
}

// NotificationByID finds a notification (the sender's tests look).
func NotificationByID(ctx context.Context, db bun.IDB, id string) (*Notification, error) {
	n := new(Notification)
	err := db.NewSelect().Model(n).Where("id = ?", id).Scan(ctx)
	return n, wrap("notification by id", notFoundAs(err, "notification"))
}

// NotificationsKept is how long notifications are kept (jobs.Retention
// prunes older ones, read or not).
const NotificationsKept = 90 * 24 * time.Hour

// PruneNotifications deletes up to limit notifications created before
// cutoff and returns how many it deleted.
func PruneNotifications(ctx context.Context, db bun.IDB, cutoff time.Time, limit int) (int64, error) {
	sub := db.NewSelect().Model((*Notification)(nil)).Column("id").Where("created_at < ?", cutoff).Limit(int64(limit))
	res, err := db.NewDelete().Model((*Notification)(nil)).Where("id IN (?)", sub).Exec(ctx)
	if err != nil {
		return 0, wrap("prune notifications", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("prune notifications", err)
}
