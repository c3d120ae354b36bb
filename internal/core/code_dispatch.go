package core

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/internal/jsrt"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/models"
)

// CodeForUpdates connects a bot's code to the update pipeline, for the
// Answerer. Deciding happens in the processing transaction (Wants: does a
// handler of the current code take this update? — the replies engine asks
// it between keywords and the fallback); running happens after that
// transaction commits (Run, through ingest.Event.AfterCommit), because a
// handler may take its whole deadline and must not hold the bot's
// processing lock and an open write transaction meanwhile. Still in
// update_id order per bot: the pipeline runs a batch's after-commit work
// before the bot's next batch.
//
// What the handler asked for is applied in one transaction: ctx.user
// changes (properties, tags) and its Bot API calls, queued on the bot's
// outbox as a person waiting (keyed by update, so nothing is queued twice).
// A handler that fails or times out is in the bot's log (Code writes it)
// and its sends are dropped; the update is not run again. A crash between
// the commit and the run skips the code for that update (at most once).
type CodeForUpdates struct {
	Code   *Code
	Outbox *outbox.Outbox
	DB     *bun.DB
	Log    *slog.Logger
}

// Active reports whether the bot has code that may handle updates: a cheap
// check (cached) before any update is decoded for it.
func (c *CodeForUpdates) Active(ctx context.Context, botID string) bool {
	b, err := c.Code.webhookBot(ctx, botID)
	return err == nil && b.CodeVersion > 0 && b.Status != models.BotStopped && b.Status != models.BotDeleted
}

// Wants reports whether the bot's current code registers a handler for the
// update.
func (c *CodeForUpdates) Wants(ctx context.Context, botID string, ev *ingest.Event) bool {
	u, err := ParseCodeUpdate(ev.Update.Raw)
	if err != nil {
		return false
	}
	ok, err := c.Code.WantsUpdate(ctx, botID, u)
	if err != nil {
		c.Log.WarnContext(ctx, "bot code: match update", "bot", botID, "update", ev.Update.ID, "err", err)
		return false
	}
	return ok
}

// Run runs the bot's handlers for a batch's updates that code takes, in
// update order, then applies what they asked for in one transaction (one
// commit per batch, not per update).
func (c *CodeForUpdates) Run(ctx context.Context, botID string, evs []*ingest.Event) {
	var ids []int64
	for _, ev := range evs {
		if tu := ev.Effects.User; tu != nil {
			ids = append(ids, tu.ID)
		}
	}
	states := map[int64]*models.UserState{}
	if len(ids) > 0 {
		var err error
		if states, err = models.UserStates(ctx, c.DB, botID, ids); err != nil {
			c.Log.WarnContext(ctx, "bot code: read user states", "bot", botID, "err", err)
			return
		}
	}
	w := newAnswerWrites(botID)
	for _, ev := range evs {
		c.runOne(ctx, botID, ev, states, w)
	}
	if len(w.msgs) == 0 && len(w.props) == 0 && len(w.tags) == 0 {
		return
	}
	var committed func()
	err := c.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) (err error) {
		committed, err = w.save(ctx, tx, c.Outbox)
		return err
	})
	if err != nil {
		c.Log.ErrorContext(ctx, "bot code: queue what the handlers sent", "bot", botID, "err", err)
		return
	}
	committed()
}

// runOne runs the handler for one update, noting its writes in w; later
// updates of the batch see its ctx.user changes.
func (c *CodeForUpdates) runOne(ctx context.Context, botID string, ev *ingest.Event, states map[int64]*models.UserState, w *answerWrites) {
	u, err := ParseCodeUpdate(ev.Update.Raw)
	if err != nil {
		return
	}
	var user *jsrt.UpdateUser
	var st *models.UserState
	if tu := ev.Effects.User; tu != nil {
		if st = states[tu.ID]; st != nil {
			if st.Blocked {
				return // the owner blocked this user: nothing answers them
			}
			user = &jsrt.UpdateUser{ID: tu.ID, Props: st.Props}
			for tag, has := range st.Tags {
				if has {
					user.Tags = append(user.Tags, tag)
				}
			}
		}
	}
	run, err := c.Code.RunUpdate(ctx, botID, u, user)
	if err != nil {
		c.Log.WarnContext(ctx, "bot code: run update", "bot", botID, "update", ev.Update.ID, "err", err)
		return
	}
	if !run.Handled || run.Err != nil {
		return
	}
	if st != nil {
		w.applyCode(st, run.Actions)
	}
	for i, s := range run.Sends {
		w.msgs = append(w.msgs, outbox.Message{BotID: botID, ChatID: chatIDOf(s.ChatID), Method: s.Method, Params: s.Params,
			Priority: outbox.PriorityPerson, Origin: outbox.OriginCode, OriginRef: run.Handler,
			Key: fmt.Sprintf("code:%d:%d", ev.Update.ID, i)})
	}
}

// applyCode notes a handler's ctx.user changes like a reply's actions.
func (w *answerWrites) applyCode(st *models.UserState, actions []jsrt.UserAction) {
	for _, a := range actions {
		switch a.Op {
		case "set":
			st.Props[a.Name] = a.Value
			if w.props[st.UserID] == nil {
				w.props[st.UserID] = map[string]any{}
			}
			w.props[st.UserID][a.Name] = a.Value
		case "tag", "untag":
			st.Tags[a.Name] = a.Op == "tag"
			if w.tags[st.UserID] == nil {
				w.tags[st.UserID] = map[string]bool{}
			}
			w.tags[st.UserID][a.Name] = a.Op == "tag"
		}
	}
}
