package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// greeterTelegram is what the greeter needs from the Bot API.
type greeterTelegram interface {
	SendMessage(ctx context.Context, token string, chatID int64, text string, opts telegram.SendOptions) (*telego.Message, error)
	ApproveChatJoinRequest(ctx context.Context, token string, chatID, userID int64) error
}

// Greeter performs the campaign actions the tracker queued: greetings and
// join-request approvals. Each action is leased before it is attempted, so
// two instances never make the same call; an action Telegram refuses is
// logged and given up after maxActionAttempts, never retried forever.
type Greeter struct {
	db       *bun.DB
	tg       greeterTelegram
	bots     *core.Bots
	log      *slog.Logger
	instance string
	every    time.Duration
}

const (
	maxActionAttempts = 3
	actionLease       = 30 * time.Second
)

// NewGreeter returns the campaign action worker of this instance.
func NewGreeter(db *bun.DB, tg greeterTelegram, bots *core.Bots, log *slog.Logger, instance string) *Greeter {
	return &Greeter{db: db, tg: tg, bots: bots, log: log, instance: instance, every: 300 * time.Millisecond}
}

// Run performs due actions until ctx ends.
func (g *Greeter) Run(ctx context.Context) {
	t := time.NewTicker(g.every)
	defer t.Stop()
	for {
		if _, err := g.RunDue(ctx); err != nil && ctx.Err() == nil {
			g.log.WarnContext(ctx, "greeter", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunDue performs every action due now and returns how many it attempted.
func (g *Greeter) RunDue(ctx context.Context) (int, error) {
	total := 0
	for {
		actions, err := models.ClaimDueActions(ctx, g.db, g.instance, models.Now(), actionLease, 50)
		if err != nil || len(actions) == 0 {
			return total, err
		}
		for i := range actions {
			g.perform(ctx, &actions[i])
		}
		total += len(actions)
	}
}

func (g *Greeter) perform(ctx context.Context, a *models.CampaignAction) {
	now := models.Now()
	a.Attempts++
	a.LeaseOwner, a.LeaseUntil = "", nil
	defer func() {
		if err := models.FinishAction(context.WithoutCancel(ctx), g.db, a); err != nil {
			g.log.ErrorContext(ctx, "greeter: record action", "action", a.ID, "err", err)
		}
	}()
	bot, err := models.BotByID(ctx, g.db, a.BotID)
	if err != nil || bot.Halted() || bot.Status == models.BotError {
		g.giveUp(ctx, a, "the bot is stopped, disconnected or its token is rejected")
		return
	}
	if a.Deadline != nil && now.After(*a.Deadline) && a.Kind == models.ActionGreet {
		g.giveUp(ctx, a, "Telegram's 5-minute window to message a join requester had passed")
		return
	}
	if a.Kind == models.ActionApprove && g.greetingPending(ctx, a) {
		// Greet first (the requester reads it while waiting), then approve.
		a.NotBefore = now.Add(time.Second)
		return
	}
	token, err := g.bots.Token(bot)
	if err != nil {
		g.giveUp(ctx, a, "the bot's token cannot be read")
		return
	}
	switch a.Kind {
	case models.ActionGreet:
		_, err = g.tg.SendMessage(ctx, token, a.ChatID, a.Text, telegram.SendOptions{})
	case models.ActionApprove:
		err = g.tg.ApproveChatJoinRequest(ctx, token, a.ChatID, a.UserID)
	default:
		err = fmt.Errorf("unknown action kind %q", a.Kind)
	}
	if err == nil {
		a.Status, a.DoneAt, a.LastError = models.ActionDone, &now, ""
		if a.Kind == models.ActionGreet {
			if err := models.SetLeadGreeting(ctx, g.db, a.CampaignID, a.UserID, &now, ""); err != nil {
				g.log.ErrorContext(ctx, "greeter: record greeting", "err", err)
			}
		}
		return
	}
	g.bots.NoteTelegramError(ctx, bot, err)
	if wait, ok := telegram.RetryAfter(err); ok {
		// Flood control: wait as told and try the same call again; a 429 is
		// not the action's fault and does not count as an attempt.
		a.Attempts--
		a.NotBefore = now.Add(wait)
		return
	}
	if errors.Is(err, telegram.ErrNetwork) || errors.Is(err, telegram.ErrServer) {
		if a.Attempts < maxActionAttempts {
			a.NotBefore = now.Add(time.Duration(a.Attempts) * 5 * time.Second)
			a.LastError = err.Error()
			return
		}
	}
	g.giveUp(ctx, a, telegram.Explain(err))
}

// greetingPending reports whether the greeting of the same request still
// waits (it was queued just before the approval).
func (g *Greeter) greetingPending(ctx context.Context, a *models.CampaignAction) bool {
	n, err := g.db.NewSelect().Model((*models.CampaignAction)(nil)).Where("campaign_id = ?", a.CampaignID).
		Where("user_id = ?", a.UserID).Where("kind = ?", models.ActionGreet).Where("status = ?", models.ActionPending).
		Where("id < ?", a.ID).Count(ctx)
	return err == nil && n > 0
}

// giveUp marks the action failed, records why on the lead and in the bot's
// log.
func (g *Greeter) giveUp(ctx context.Context, a *models.CampaignAction, why string) {
	a.Status, a.LastError = models.ActionFailed, why
	if a.Kind == models.ActionGreet {
		if err := models.SetLeadGreeting(ctx, g.db, a.CampaignID, a.UserID, nil, why); err != nil {
			g.log.ErrorContext(ctx, "greeter: record greeting failure", "err", err)
		}
	}
	what := "The greeting"
	if a.Kind == models.ActionApprove {
		what = "Approving the join request"
	}
	err := models.InsertLogs(ctx, g.db, &models.BotLog{BotID: a.BotID, Level: models.LogError, Source: models.SourceCampaign,
		Message: fmt.Sprintf("%s for user %d failed: %s", what, a.UserID, why)})
	if err != nil {
		g.log.ErrorContext(ctx, "greeter: write bot log", "err", err)
	}
}
