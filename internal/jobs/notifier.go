package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/models"
)

// NotifierConfig tunes the Telegram sender of notifications; zero values
// take the defaults.
type NotifierConfig struct {
	Every     time.Duration // how often pending notifications are looked for (1s)
	Lease     time.Duration // how long the sender's lease lasts without renewal (30s)
	PerMinute int           // notifications sent to one member per minute at most (5)
	PublicURL string        // the dashboard's address, for a link in each message ("" leaves it out)
}

func (c NotifierConfig) withDefaults() NotifierConfig {
	if c.Every <= 0 {
		c.Every = time.Second
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	if c.PerMinute <= 0 {
		c.PerMinute = 5
	}
	return c
}

// notifierLease names the sender's lease in notification_leases.
const notifierLease = "telegram"

var errLeaseLost = errors.New("notifier: the lease moved to another instance")

// Notifier sends notifications on Telegram to members who turned Telegram
// on for their kind and linked their Telegram account. One instance at a
// time holds its lease and sends, so a member's rate limit holds across
// instances; each notification moves from pending to its outcome in the
// transaction that queues its message on the bot's outbox (at the
// priority of a person waiting, keyed by the notification), so it is sent
// once.
//
// The message comes from the bot concerned when the member is one of its
// users (they started it), else from the bot they linked their account
// through. Beyond PerMinute in a minute, a member's notifications are
// held back (limited) and counted as "and N more" in the next one sent;
// they stay in the app.
type Notifier struct {
	db       *bun.DB
	out      *outbox.Outbox
	log      *slog.Logger
	instance string
	cfg      NotifierConfig
}

// NewNotifier returns the Telegram sender of notifications of this
// instance.
func NewNotifier(db *bun.DB, out *outbox.Outbox, log *slog.Logger, instance string, cfg NotifierConfig) *Notifier {
	return &Notifier{db: db, out: out, log: log, instance: instance, cfg: cfg.withDefaults()}
}

// Run sends pending notifications until ctx ends, then gives up the lease.
func (n *Notifier) Run(ctx context.Context) {
	t := time.NewTicker(n.cfg.Every)
	defer t.Stop()
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := models.ReleaseNotificationLease(rctx, n.db, notifierLease, n.instance); err != nil {
			n.log.WarnContext(rctx, "notifier: release lease", "err", err)
		}
	}()
	for {
		if _, err := n.SendDue(ctx); err != nil && ctx.Err() == nil {
			n.log.WarnContext(ctx, "notifier", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendDue handles every pending notification when this instance holds (or
// takes) the sender's lease, and returns how many it handled.
func (n *Notifier) SendDue(ctx context.Context) (int, error) {
	held, err := models.TakeNotificationLease(ctx, n.db, notifierLease, n.instance, models.Now(), n.cfg.Lease)
	if err != nil || !held {
		return 0, err
	}
	total := 0
	for {
		due, err := models.PendingTelegramNotifications(ctx, n.db, 100)
		if err != nil || len(due) == 0 {
			return total, err
		}
		for i := range due {
			if err := n.deliver(ctx, &due[i]); err != nil {
				return total, err
			}
		}
		total += len(due)
		if held, err := models.TakeNotificationLease(ctx, n.db, notifierLease, n.instance, models.Now(), n.cfg.Lease); err != nil || !held {
			return total, err
		}
	}
}

// deliver decides one notification's outcome and, when it is sent, queues
// its message, in one transaction that first checks the lease.
func (n *Notifier) deliver(ctx context.Context, note *models.Notification) error {
	return n.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := models.Now()
		if held, err := models.HoldsNotificationLease(ctx, tx, notifierLease, n.instance, now); err != nil {
			return err
		} else if !held {
			return errLeaseLost
		}
		skip := func(why string) error {
			_, err := models.SetTelegramState(ctx, tx, note.ID, models.TelegramSkipped, why, now)
			return err
		}
		link, err := models.MemberTelegram(ctx, tx, note.UserID)
		if err != nil {
			return err
		}
		if link == nil {
			return skip("No Telegram account is linked.")
		}
		bot, err := n.sender(ctx, tx, note.BotID, link)
		if err != nil {
			return err
		}
		if bot == nil {
			return skip("No bot can send it: the bot concerned and the linked bot are stopped, disconnected or rejected by Telegram.")
		}
		sent, err := models.CountTelegramSentSince(ctx, tx, note.UserID, now.Add(-time.Minute))
		if err != nil {
			return err
		}
		if sent >= n.cfg.PerMinute {
			_, err := models.SetTelegramState(ctx, tx, note.ID, models.TelegramLimited,
				fmt.Sprintf("More than %d notifications in a minute: counted in the next one sent.", n.cfg.PerMinute), now)
			return err
		}
		more, err := models.CollapseLimited(ctx, tx, note.UserID, now)
		if err != nil {
			return err
		}
		if ok, err := models.SetTelegramState(ctx, tx, note.ID, models.TelegramSent, "Sent by "+bot.Handle()+".", now); err != nil || !ok {
			return err
		}
		msg := outbox.Text(bot.ID, link.TelegramUserID, n.text(note, more), "", nil)
		msg.Params["link_preview_options"] = map[string]any{"is_disabled": true}
		msg.Priority, msg.Origin, msg.OriginRef, msg.Key = outbox.PriorityPerson, outbox.OriginNotification, note.ID, "notification:"+note.ID
		msg.Expires = now.Add(time.Hour) // old news is not worth a message
		return n.out.Enqueue(ctx, tx, msg)
	})
}

// sender is the bot that sends a notification to the linked member: the
// bot concerned when the member is among its users and it can send, else
// the bot the member linked through; nil when neither can.
func (n *Notifier) sender(ctx context.Context, db bun.IDB, botID string, link *models.MemberTelegramLink) (*models.Bot, error) {
	canSend := func(id string) (*models.Bot, error) {
		if id == "" {
			return nil, nil
		}
		b, err := models.BotByID(ctx, db, id)
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Kind == apperr.KindNotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if b.Status != models.BotActive && b.Status != models.BotWarning {
			return nil, nil
		}
		return b, nil
	}
	if botID != "" && botID != link.BotID {
		b, err := canSend(botID)
		if err != nil || b != nil {
			u, uerr := models.BotUserByID(ctx, db, botID, link.TelegramUserID)
			var ae *apperr.Error
			switch {
			case err != nil:
				return nil, err
			case errors.As(uerr, &ae) && ae.Kind == apperr.KindNotFound:
			case uerr != nil:
				return nil, uerr
			case !u.BotBlocked:
				return b, nil
			}
		}
	}
	return canSend(link.BotID)
}

// text is the message of a notification: its title, body, the page it is
// about and how many held-back ones it stands for.
func (n *Notifier) text(note *models.Notification, more int64) string {
	var b strings.Builder
	b.WriteString("🔔 " + note.Title)
	if note.Body != "" {
		b.WriteString("\n" + note.Body)
	}
	if n.cfg.PublicURL != "" && note.URL != "" {
		b.WriteString("\n" + strings.TrimRight(n.cfg.PublicURL, "/") + note.URL)
	}
	switch {
	case more == 1:
		b.WriteString("\n\n(and 1 more notification in Botdeck)")
	case more > 1:
		fmt.Fprintf(&b, "\n\n(and %d more notifications in Botdeck)", more)
	}
	return b.String()
}
