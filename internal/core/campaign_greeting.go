package core

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/models"
)

// GreetingPlaceholders are the placeholders a greeting may use, with what
// they become; the form lists them.
var GreetingPlaceholders = [][2]string{
	{"{first_name}", "the person's first name"},
	{"{last_name}", "their last name (may be empty)"},
	{"{name}", "first and last name"},
	{"{username}", "their @username, or their first name when they have none"},
	{"{chat_title}", "the chat's title"},
}

// RenderGreeting fills a greeting's placeholders. Greetings are sent as
// plain text (no parse mode), so nothing a user's name contains can break
// or inject markup. Unknown placeholders are left as written.
func RenderGreeting(tmpl string, u telego.User, chatTitle string) string {
	username := u.FirstName
	if u.Username != "" {
		username = "@" + u.Username
	}
	return strings.NewReplacer(
		"{first_name}", u.FirstName,
		"{last_name}", u.LastName,
		"{name}", strings.TrimSpace(u.FirstName+" "+u.LastName),
		"{username}", username,
		"{chat_title}", chatTitle,
	).Replace(tmpl)
}

// GreetingRef is the outbox origin_ref of a campaign's greeting of a user.
func GreetingRef(campaignID string, userID int64) string {
	return campaignID + "/" + strconv.FormatInt(userID, 10)
}

// greeting is the outbox message greeting userID (in chatID) for a join or
// join request of update ev; the key makes a replayed update queue nothing.
func greeting(ev *ingest.Event, camp *models.Campaign, userID int64, text string, chatID int64) outbox.Message {
	m := outbox.Text(ev.BotID, chatID, text, "", nil)
	m.Priority, m.Origin, m.OriginRef = outbox.PriorityGreeting, outbox.OriginGreeting, GreetingRef(camp.ID, userID)
	m.Key = fmt.Sprintf("greeting:%s:%d", camp.ID, ev.Update.ID)
	return m
}

// GreetingOutcome records on the lead what became of each greeting the
// outbox sent (its greeted_at, or the reason it was not sent, also written
// in the bot's log). Register it with outbox.Observe for
// outbox.OriginGreeting.
func GreetingOutcome() outbox.Observer {
	return func(ctx context.Context, db bun.IDB, msgs []*models.OutboxMessage) error {
		for _, m := range msgs {
			if err := greetingOutcome(ctx, db, m); err != nil {
				return err
			}
		}
		return nil
	}
}

func greetingOutcome(ctx context.Context, db bun.IDB, m *models.OutboxMessage) error {
	campaignID, user, ok := strings.Cut(m.OriginRef, "/")
	userID, err := strconv.ParseInt(user, 10, 64)
	if !ok || err != nil {
		return nil
	}
	if m.Status == models.OutboxSent {
		at := models.Now()
		if m.SentAt != nil {
			at = *m.SentAt
		}
		return models.SetLeadGreeting(ctx, db, campaignID, userID, &at, "")
	}
	why := "Telegram refused it: " + m.Error
	switch {
	case m.Error == outbox.TooLate:
		why = "Telegram's 5-minute window to message a join requester had passed"
	case m.Status == models.OutboxUnconfirmed || strings.HasPrefix(m.Error, "Not sent"):
		why = m.Error
	}
	if err := models.SetLeadGreeting(ctx, db, campaignID, userID, nil, why); err != nil {
		return err
	}
	return models.InsertLogs(ctx, db, &models.BotLog{BotID: m.BotID, Level: models.LogError, Source: models.SourceCampaign,
		Message: fmt.Sprintf("The greeting for user %d failed: %s", userID, why)})
}
