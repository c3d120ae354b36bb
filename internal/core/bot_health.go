package core

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/models"
)

// webhookErrorRecent is how recent Telegram's last delivery error must be,
// with updates still waiting, for delivery to count as failing. Telegram
// keeps last_error_date after it recovers, so an old error alone says
// nothing.
const webhookErrorRecent = 10 * time.Minute

// WebhookProblem says what, according to getWebhookInfo, keeps a bot's
// updates from reaching Botdeck at wantURL, or "" when delivery works. The
// text is shown to the owner as the bot's status reason.
func WebhookProblem(info *telego.WebhookInfo, wantURL string, now time.Time) string {
	switch {
	case info.URL == "":
		return "Telegram has no webhook for this bot: something outside Botdeck removed it (a script calling getUpdates " +
			"or deleteWebhook with this token), so no updates arrive. Register the webhook again to point it back at Botdeck."
	case info.URL != wantURL:
		// Only the host: another tool's webhook URL may hold its secrets.
		return "The bot's webhook points to " + hostOf(info.URL) + " instead of Botdeck: another tool uses this token " +
			"and receives the updates. Register the webhook again to point it back at Botdeck."
	case info.LastErrorDate > 0 && info.PendingUpdateCount > 0 &&
		now.Sub(time.Unix(info.LastErrorDate, 0)) < webhookErrorRecent:
		msg := info.LastErrorMessage
		if msg == "" {
			msg = "no reason given"
		}
		return fmt.Sprintf("Telegram cannot deliver updates to Botdeck (%s); %d waiting. Check that %s is reachable from the internet.",
			msg, info.PendingUpdateCount, hostOf(wantURL))
	}
	return ""
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "another address"
}

// CheckWebhook asks Telegram whether b's updates reach Botdeck and records
// the answer: a problem puts the bot in warning (with the problem as the
// reason and a line in its log), a fixed one clears it. A 401 marks the bot
// as error (WebhookInfo); other failures to ask change nothing.
func (s *Bots) CheckWebhook(ctx context.Context, b *models.Bot) error {
	info, err := s.WebhookInfo(ctx, b)
	if err != nil {
		return err
	}
	problem := WebhookProblem(info, b.WebhookURL, models.Now())
	if problem == b.WebhookError {
		return nil
	}
	entry := &models.BotLog{BotID: b.ID, Level: models.LogError, Source: models.SourceTelegram,
		Message: "Webhook delivery is failing: " + problem}
	if problem == "" {
		entry = &models.BotLog{BotID: b.ID, Level: models.LogInfo, Source: models.SourceTelegram,
			Message: "Webhook delivery works again."}
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		b.WebhookError = problem
		if err := models.UpdateBotColumns(ctx, tx, b, "webhook_error"); err != nil {
			return err
		}
		if err := models.InsertLogs(ctx, tx, entry); err != nil {
			return err
		}
		_, err := refreshBotWarning(ctx, tx, s.events, b.ID)
		return err
	})
}

// refreshBotWarning sets a running bot's status from what currently warns
// about it: failing webhook delivery first, then failing relay delivery,
// then an active campaign's warning (lost admin rights). With nothing to warn about it is active
// again; stopped, error and deleted bots keep their status. A change is
// published on bus, in db's transaction. It returns the bot as it now is.
func refreshBotWarning(ctx context.Context, db bun.IDB, bus *events.Bus, botID string) (*models.Bot, error) {
	b, err := models.BotByID(ctx, db, botID)
	if err != nil {
		return nil, err
	}
	if b.Status != models.BotActive && b.Status != models.BotWarning {
		return b, nil
	}
	reason := b.WebhookError
	if reason == "" {
		if reason, err = models.RelayWarning(ctx, db, botID); err != nil {
			return nil, err
		}
	}
	if reason == "" {
		if reason, err = models.FirstCampaignWarning(ctx, db, botID); err != nil {
			return nil, err
		}
	}
	status := models.BotActive
	if reason != "" {
		status = models.BotWarning
	}
	if status == b.Status && reason == b.StatusReason {
		return b, nil
	}
	b.Status, b.StatusReason = status, reason
	if err := models.UpdateBotColumns(ctx, db, b, "status", "status_reason"); err != nil {
		return nil, err
	}
	return b, publishBotStatus(ctx, db, bus, b)
}
