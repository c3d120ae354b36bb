package core

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/models"
)

// Notifications: what members are told about their bots. A feature raises
// a notice with notify, inside the transaction that makes the change, so a
// notice exists if and only if its change committed. Each notice has a
// dedupe key naming its event: raised again (two instances seeing the same
// change, a retried transaction) it inserts nothing. Transitions (a bot's
// status, its relay, a burst of handler errors) move a notification mark
// first (models.MoveNotificationMark) and notify only when it moved, with
// the mark's sequence number in the key.
//
// Delivery: an in-app row per member (listed, counted by the bell, a
// notification event for their open pages), and, for members who turned
// Telegram on, a pending Telegram state that jobs.Notifier sends through
// the bot's outbox.

// handlerErrorsQuiet is how long a bot's handler errors stay one burst:
// at most one handler_errors notice per bot per this period.
const handlerErrorsQuiet = 10 * time.Minute

// Notice is one event members are told about.
type Notice struct {
	Kind  string
	BotID string
	Title string
	Body  string
	URL   string
	Key   string // names the event: the same key is notified once
}

// defaultSetting is a kind's setting for a member who never changed it:
// everything in the app; on Telegram, all but new conversations (a bot
// with many new users would flood the member's chat).
func defaultSetting(kind string) contract.NotificationSetting {
	return contract.NotificationSetting{InApp: true, Telegram: kind != models.NotifyNewConversation}
}

// notify raises n for the members of ownerID's bots, inside db (the
// transaction making the change), respecting each member's settings: no
// row for a member who turned the kind off in the app and on Telegram; a
// row only for the Telegram sender when only the app is off. It publishes
// one notification event per member told in the app.
func notify(ctx context.Context, db bun.IDB, bus *events.Bus, ownerID string, n Notice) error {
	return notifyAll(ctx, db, bus, ownerID, n.Kind, []Notice{n})
}

// notifyAll is notify for several notices of one kind, set-based: the
// members of the workspace ownerID (every member is told; each chooses per
// kind what reaches them) and their settings are read in one statement,
// the notifications are one insert and their events one publish, however
// many notices (an ingest batch may start hundreds of conversations).
func notifyAll(ctx context.Context, db bun.IDB, bus *events.Bus, ownerID, kind string, notices []Notice) error {
	evs, err := notificationsFor(ctx, db, ownerID, kind, notices)
	if err != nil {
		return err
	}
	return bus.PublishAll(ctx, db, evs...)
}

// notificationsFor inserts the notifications of notices and returns the
// events to publish for them: notifyAll without the publish, for a caller
// that publishes them with its own.
func notificationsFor(ctx context.Context, db bun.IDB, ownerID, kind string, notices []Notice) ([]events.Event, error) {
	if len(notices) == 0 {
		return nil, nil
	}
	members, err := models.MemberSettingsOf(ctx, db, ownerID, kind)
	if err != nil || len(members) == 0 {
		return nil, err
	}
	rows := make([]*models.Notification, 0, len(members)*len(notices))
	for _, m := range members {
		s := defaultSetting(kind)
		if m.Saved {
			s = contract.NotificationSetting{InApp: m.InApp, Telegram: m.Telegram}
		}
		if !s.InApp && !s.Telegram {
			continue
		}
		for _, n := range notices {
			row := &models.Notification{OwnerID: ownerID, UserID: m.UserID, Kind: kind, BotID: n.BotID, Title: n.Title,
				Body: n.Body, URL: n.URL, DedupeKey: n.Key, InApp: s.InApp}
			if s.Telegram {
				row.TelegramState = models.TelegramPending
			}
			rows = append(rows, row)
		}
	}
	inserted, err := models.InsertNotifications(ctx, db, rows)
	if err != nil {
		return nil, err
	}
	var evs []events.Event
	for _, row := range inserted {
		if row.InApp {
			evs = append(evs, events.NotificationChanged(ownerID, row.BotID,
				events.NotificationData{UserID: row.UserID, ID: row.ID, Kind: row.Kind, Title: row.Title}))
		}
	}
	return evs, nil
}

// notifyBotStatus tells the owner's members when b's status moves into
// warning or error, or back to active from either, once per transition
// (the bot's status mark). A warning caused by failing relay delivery is
// told by relay_failing instead (the same failure twice would be noise);
// stopped and deleted bots are the owner's own doing and move nothing.
func notifyBotStatus(ctx context.Context, db bun.IDB, bus *events.Bus, b *models.Bot) error {
	value := b.Status
	switch b.Status {
	case models.BotActive, models.BotError:
	case models.BotWarning:
		if b.WebhookError == "" {
			relay, err := models.RelayWarning(ctx, db, b.ID)
			if err != nil {
				return err
			}
			if relay != "" && relay == b.StatusReason {
				value = "relay"
			}
		}
	default:
		return nil
	}
	old, seq, moved, err := models.MoveNotificationMark(ctx, db, "bot_status:"+b.ID, value, models.Now(), 0)
	if err != nil || !moved {
		return err
	}
	n := Notice{BotID: b.ID, URL: "/bots/" + b.ID, Key: "bot_status:" + b.ID + ":" + strconv.FormatInt(seq, 10)}
	switch value {
	case models.BotWarning:
		n.Kind, n.Title, n.Body = models.NotifyBotWarning, b.Handle()+" needs attention", b.StatusReason
	case models.BotError:
		n.Kind, n.Title, n.Body = models.NotifyBotError, b.Handle()+" stopped working", b.StatusReason
	case models.BotActive:
		switch old {
		case models.BotWarning:
			n.Kind, n.Title, n.Body = models.NotifyBotWarning, b.Handle()+" recovered", "Nothing warns about the bot any more."
		case models.BotError:
			n.Kind, n.Title, n.Body = models.NotifyBotError, b.Handle()+" recovered", "Telegram accepts the bot's token again."
		default:
			return nil // first seen, or back from a relay warning (told as relay_failing)
		}
	default:
		return nil // a relay warning
	}
	return notify(ctx, db, bus, b.OwnerID, n)
}

// notifyRelay tells the owner's members when a bot's relay delivery starts
// failing (warning is why) or works again (warning ""), once per
// transition.
func notifyRelay(ctx context.Context, db bun.IDB, bus *events.Bus, botID, warning string) error {
	value := "ok"
	if warning != "" {
		value = "failing"
	}
	old, seq, moved, err := models.MoveNotificationMark(ctx, db, "relay:"+botID, value, models.Now(), 0)
	if err != nil || !moved || value == "ok" && old != "failing" {
		return err
	}
	b, err := models.BotByID(ctx, db, botID)
	if err != nil {
		return err
	}
	n := Notice{Kind: models.NotifyRelayFailing, BotID: b.ID, URL: "/bots/" + b.ID + "/relay",
		Key:   "relay:" + b.ID + ":" + strconv.FormatInt(seq, 10),
		Title: "Relay of " + b.Handle() + " is failing", Body: warning}
	if value == "ok" {
		n.Title, n.Body = "Relay of "+b.Handle()+" recovered", "Updates reach your server again."
	}
	return notify(ctx, db, bus, b.OwnerID, n)
}

// notifyHandlerError tells the owner's members that a bot's code failed:
// once per burst (at most one notice per bot per handlerErrorsQuiet); the
// errors that follow are in the bot's log.
func notifyHandlerError(ctx context.Context, db bun.IDB, bus *events.Bus, botID, message string) error {
	_, seq, moved, err := models.MoveNotificationMark(ctx, db, "handler_errors:"+botID, "errors", models.Now(), handlerErrorsQuiet)
	if err != nil || !moved {
		return err
	}
	b, err := models.BotByID(ctx, db, botID)
	if err != nil {
		return err
	}
	return notify(ctx, db, bus, b.OwnerID, Notice{Kind: models.NotifyHandlerErrors, BotID: b.ID,
		URL: "/bots/" + b.ID + "/logs", Key: "handler_errors:" + b.ID + ":" + strconv.FormatInt(seq, 10),
		Title: "The code of " + b.Handle() + " is failing",
		Body:  message + " — further errors in the next 10 minutes are only in the bot's log."})
}

// notifyBroadcast tells the owner's members that a broadcast finished
// (done) or stopped on errors (failed, or paused by Botdeck), once per
// broadcast and outcome.
// at is when it stopped: a broadcast paused on errors, resumed and paused
// again is told twice.
func notifyBroadcast(ctx context.Context, db bun.IDB, bus *events.Bus, bc *models.Broadcast, failed bool, reason string, at time.Time) error {
	b, err := models.BotByID(ctx, db, bc.BotID)
	if err != nil {
		return err
	}
	n := Notice{Kind: models.NotifyBroadcastDone, BotID: b.ID, URL: "/broadcasts/" + bc.ID, Key: "broadcast_done:" + bc.ID,
		Title: "Broadcast of " + b.Handle() + " finished",
		Body:  fmt.Sprintf("%d sent, %d failed, %d blocked the bot.", bc.Sent, bc.Failed, bc.Blocked)}
	if failed {
		n.Kind, n.Key = models.NotifyBroadcastFailed, "broadcast_failed:"+bc.ID+":"+strconv.FormatInt(at.UnixMicro(), 10)
		n.Title, n.Body = "Broadcast of "+b.Handle()+" stopped", reason
	}
	return notify(ctx, db, bus, b.OwnerID, n)
}

// newConversationNotices tells the owner's members about conversations
// that began with a person's message in this transaction, and returns the
// events to publish (RecordMessages publishes them with its own).
func newConversationNotices(ctx context.Context, db bun.IDB, ownerID string, started []models.ConversationKey) ([]events.Event, error) {
	bots := map[string]*models.Bot{} // a batch is one bot's: read it once
	notices := make([]Notice, 0, len(started))
	for _, c := range started {
		b := bots[c.BotID]
		if b == nil {
			var err error
			if b, err = models.BotByID(ctx, db, c.BotID); err != nil {
				return nil, err
			}
			bots[c.BotID] = b
		}
		uid := strconv.FormatInt(c.UserID, 10)
		notices = append(notices, Notice{Kind: models.NotifyNewConversation, BotID: b.ID,
			URL: "/bots/" + b.ID + "/users/" + uid, Key: "new_conversation:" + b.ID + ":" + uid,
			Title: "New conversation with " + b.Handle(), Body: c.Excerpt})
	}
	return notificationsFor(ctx, db, ownerID, models.NotifyNewConversation, notices)
}

// Notifications lists, marks read and configures a member's notifications.
type Notifications struct {
	db  *bun.DB
	bus *events.Bus
}

// NewNotifications returns the notifications use cases.
func NewNotifications(db *bun.DB, bus *events.Bus) *Notifications {
	return &Notifications{db: db, bus: bus}
}

// NotificationList is one page of a member's notifications.
type NotificationList struct {
	Items  []models.Notification
	Total  int
	Unread int64
}

// List returns a page of userID's notifications and the unread count.
func (s *Notifications) List(ctx context.Context, userID string, req contract.ListNotificationsRequest) (*NotificationList, error) {
	items, total, err := models.ListNotifications(ctx, s.db, userID, req.Unread, req.Window())
	if err != nil {
		return nil, err
	}
	unread, err := models.CountUnreadNotifications(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	return &NotificationList{Items: items, Total: total, Unread: unread}, nil
}

// Unread counts userID's unread notifications (the bell).
func (s *Notifications) Unread(ctx context.Context, userID string) (int64, error) {
	return models.CountUnreadNotifications(ctx, s.db, userID)
}

// MarkRead marks userID's notifications read (ids, or all) and tells the
// member's open pages; scope is the stream scope the member reads (the
// owner id). It returns how many changed.
func (s *Notifications) MarkRead(ctx context.Context, scope, userID string, req contract.MarkNotificationsReadRequest) (int64, error) {
	var n int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if n, err = models.MarkNotificationsRead(ctx, tx, userID, req.IDs, req.All, models.Now()); err != nil || n == 0 {
			return err
		}
		return s.bus.Publish(ctx, tx, events.NotificationChanged(scope, "", events.NotificationData{UserID: userID, Read: n}))
	})
	return n, err
}

// TelegramLinked reports whether userID linked a Telegram account (what
// Telegram notifications need).
func (s *Notifications) TelegramLinked(ctx context.Context, userID string) (bool, error) {
	l, err := models.MemberTelegram(ctx, s.db, userID)
	return l != nil, err
}

// Settings returns userID's setting for every kind (defaults where never
// changed).
func (s *Notifications) Settings(ctx context.Context, userID string) (map[string]contract.NotificationSetting, error) {
	saved, err := models.NotificationSettingsOf(ctx, s.db, []string{userID}, "")
	if err != nil {
		return nil, err
	}
	out := make(map[string]contract.NotificationSetting, len(models.NotificationKinds))
	for _, k := range models.NotificationKinds {
		out[k] = defaultSetting(k)
	}
	for _, row := range saved {
		if _, ok := out[row.Kind]; ok {
			out[row.Kind] = contract.NotificationSetting{InApp: row.InApp, Telegram: row.Telegram}
		}
	}
	return out, nil
}

// SaveSettings stores the kinds req names (others keep theirs) and returns
// every kind's setting.
func (s *Notifications) SaveSettings(ctx context.Context, userID string, req *contract.NotificationSettingsRequest) (map[string]contract.NotificationSetting, error) {
	kinds := req.Kinds()
	rows := make([]models.NotificationSetting, 0, len(kinds))
	for _, k := range models.NotificationKinds { // a stable order: one statement, rows in key order
		if v, ok := kinds[k]; ok {
			rows = append(rows, models.NotificationSetting{UserID: userID, Kind: k, InApp: v.InApp, Telegram: v.Telegram})
		}
	}
	if err := models.SaveNotificationSettings(ctx, s.db, rows); err != nil {
		return nil, err
	}
	return s.Settings(ctx, userID)
}
