package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/jsrt"
	"github.com/botdeck/botdeck/models"
)

// Bot code for Telegram updates: the seam between the update pipeline and
// the bot's script.
//
// The pipeline (a hook, inside its processing transaction) asks
// WantsUpdate whether the bot's current code registers a handler for an
// update — the replies engine's codeWants, which decides between code and
// the fallback reply — and then calls RunUpdate. RunUpdate never calls
// Telegram: ctx.reply, replyWithPhoto, answer and bot.telegram calls made
// by an update handler are collected as Sends (method and parameters, the
// chat id filled in), which the caller enqueues on the bot's outbox in its
// transaction; ctx.user.set/tag/untag come back as Actions for the caller
// to apply. db.operation calls do write at once (on the shared pool, not in
// the caller's transaction). A handler that throws or runs out of time is
// written to the bot's log with its line and reported in UpdateRun.Err:
// the update is done (not retried) and nothing it collected is sent.

// CodeUpdate is a Telegram update decoded for bot code.
type CodeUpdate struct {
	ID   int64
	Data map[string]any
}

// ParseCodeUpdate decodes a raw update (as stored by the pipeline).
func ParseCodeUpdate(raw []byte) (*CodeUpdate, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, apperr.Invalid("The update is not a JSON object.", apperr.FieldErrors{"update": "must be a Telegram update object"})
	}
	u := &CodeUpdate{Data: m}
	if id, ok := m["update_id"].(float64); ok {
		u.ID = int64(id)
	}
	return u, nil
}

// kind is the update's payload field, for logs.
func (u *CodeUpdate) kind() string {
	for _, k := range jsrt.UpdateKinds {
		if _, ok := u.Data[k]; ok {
			return k
		}
	}
	for k := range u.Data {
		if k != "update_id" {
			return k
		}
	}
	return "unknown"
}

// Send is one Bot API call an update handler asked for, to be sent by the
// bot's outbox. ChatID is params' chat_id when it has one.
type Send struct {
	Method string         `json:"method"`
	ChatID any            `json:"chatId,omitempty"`
	Params map[string]any `json:"params"`
}

// UpdateRun is what the bot's code did with an update.
type UpdateRun struct {
	// Handled is false when no handler matched (or the bot has no code).
	Handled     bool
	Handler     string // the handler that took it: "command /start"
	Sends       []Send
	Actions     []jsrt.UserAction
	Logs        []jsrt.LogLine
	LogsDropped int
	Duration    time.Duration
	Err         *HandlerFailure // the handler failed: Sends are dropped

	env *botEnv // for the simulator, which shows sends with secrets redacted
}

// sendCollector is the Telegram of an update run: it records calls.
type sendCollector struct {
	mu    sync.Mutex
	sends []Send
}

func (s *sendCollector) Call(_ context.Context, method string, params map[string]any) (any, error) {
	if strings.HasPrefix(strings.ToLower(method), "get") {
		return nil, &jsrt.PublicError{Message: method + " cannot be called in an update handler: Telegram calls there are queued and sent after the handler finishes, so they return no result"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sends = append(s.sends, Send{Method: method, ChatID: params["chat_id"], Params: params})
	return map[string]any{"queued": true}, nil
}

// WantsUpdate reports whether the bot's current code registers a handler
// for the update (without running it). A bot that is halted, has no code
// or whose code no longer compiles wants nothing.
func (c *Code) WantsUpdate(ctx context.Context, botID string, u *CodeUpdate) (bool, error) {
	b, err := c.webhookBot(ctx, botID)
	if err != nil {
		return false, err
	}
	if b.Status == models.BotDeleted || b.Status == models.BotStopped || b.CodeVersion == 0 {
		return false, nil
	}
	p, err := c.program(ctx, b.ID, b.CodeVersion)
	if err != nil || p.err != nil {
		return false, err
	}
	return p.prog.WantsUpdate(u.Data, b.Username), nil
}

// RunUpdate runs the bot's update handler for u. user is Botdeck's record
// of the sender (nil when there is none yet). The error is for what the
// caller should retry (the code could not be loaded, no runtime became
// free, ctx ended); a failing handler is not an error (UpdateRun.Err).
func (c *Code) RunUpdate(ctx context.Context, botID string, u *CodeUpdate, user *jsrt.UpdateUser) (*UpdateRun, error) {
	b, err := c.webhookBot(ctx, botID)
	if err != nil {
		return nil, err
	}
	if b.Status == models.BotDeleted || b.Status == models.BotStopped {
		return &UpdateRun{}, nil
	}
	return c.runUpdate(ctx, b, u, user, fmt.Sprintf("update %d (%s)", u.ID, u.kind()))
}

func (c *Code) runUpdate(ctx context.Context, b webhookBot, u *CodeUpdate, user *jsrt.UpdateUser, source string) (*UpdateRun, error) {
	run := &UpdateRun{}
	if b.CodeVersion == 0 {
		return run, nil
	}
	p, err := c.program(ctx, b.ID, b.CodeVersion)
	if err != nil {
		return nil, err
	}
	req := WebhookRequest{Source: source}
	// Code that no longer compiles registers nothing: the fallback answers.
	if p.err != nil || !p.prog.WantsUpdate(u.Data, b.Username) {
		return run, nil
	}
	timeout := c.engine.Config().Timeout
	runCtx, cancel := context.WithTimeout(ctx, 2*timeout)
	defer cancel()
	release, err := c.acquire(runCtx, b, timeout)
	if err != nil {
		return nil, fmt.Errorf("bot code: run update: %w", err)
	}
	defer release()
	tg := &sendCollector{}
	env, err := c.env(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	res, err := c.engine.RunUpdate(runCtx, p.prog, jsrt.Invocation{
		Env:         env.env,
		Params:      jsrt.Params{BotID: b.ID},
		DB:          newDocStore(c.db, b.ID, c.docLimits),
		Telegram:    tg,
		Update:      u.Data,
		User:        user,
		BotUsername: b.Username,
	})
	var he *jsrt.HandlerError
	switch {
	case errors.Is(err, jsrt.ErrNoHandler):
		return run, nil
	case err == nil, errors.As(err, &he):
	default:
		return nil, fmt.Errorf("bot code: run update: %w", err)
	}
	run.Handled = true
	if res.Route != nil {
		run.Handler = res.Route.String()
	}
	req.Path = run.Handler
	env.redactRun(res.Logs, nil)
	run.Logs, run.LogsDropped, run.Duration = res.Logs, res.LogsDropped, res.Duration
	run.env = env
	if he != nil {
		run.Err = &HandlerFailure{Kind: string(he.Kind), Message: he.Message, Stack: he.Stack, Line: he.Line, Column: he.Column}
		env.redactRun(nil, run.Err)
		c.writeRunLogs(ctx, b.ID, req, res, run.Err, "")
		return run, nil
	}
	run.Sends, run.Actions = tg.sends, res.Actions
	c.writeRunLogs(ctx, b.ID, req, res, nil, "")
	return run, nil
}

// simulate runs the saved code's update handlers on a test update, as the
// pipeline would but for the outbox: the messages are shown, never sent,
// and ctx.user changes are listed, not applied. Documents are written and
// the log gets the run's entries, as with a real update.
func (c *Code) simulate(ctx context.Context, b *models.Bot, req contract.TestCodeRequest) (*TestRun, error) {
	u, err := ParseCodeUpdate(req.Update)
	if err != nil {
		return nil, err
	}
	if b.Status == models.BotDeleted {
		return nil, ErrBotDeleted
	}
	wb := webhookBot{ID: b.ID, OwnerID: b.OwnerID, Username: b.Username, Status: b.Status, CodeVersion: b.CodeVersion}
	user := &jsrt.UpdateUser{ID: contract.SimulatedUserID}
	run, err := c.runUpdate(ctx, wb, u, user, sourceEditorSimulation)
	if err != nil {
		return nil, err
	}
	// The simulator shows what would be sent: never a secret's value.
	for i := range run.Sends {
		run.Sends[i].Params, _ = run.env.redactValue(run.Sends[i].Params).(map[string]any)
	}
	return &TestRun{Bot: b, Request: req, Update: run}, nil
}

// SimulationJSON is the API shape of a simulated update: what the bot
// would send (messages), the ctx.user changes, the console output, the
// run's time and, when the handler failed, its error.
type SimulationJSON struct {
	Handled     bool              `json:"handled"`
	Handler     *string           `json:"handler"`
	Messages    []Send            `json:"messages"`
	Actions     []jsrt.UserAction `json:"actions"`
	Logs        []jsrt.LogLine    `json:"logs"`
	LogsDropped int               `json:"logsDropped"`
	DurationMs  float64           `json:"durationMs"`
	Error       *HandlerFailure   `json:"error"`
}

// SimulationJSON returns the API shape of a simulated update's run.
func (t *TestRun) SimulationJSON() SimulationJSON {
	r := t.Update
	out := SimulationJSON{Handled: r.Handled, Messages: r.Sends, Actions: r.Actions, Logs: r.Logs, LogsDropped: r.LogsDropped,
		DurationMs: float64(r.Duration.Microseconds()) / 1000, Error: r.Err}
	if r.Handler != "" {
		out.Handler = &r.Handler
	}
	if out.Messages == nil {
		out.Messages = []Send{}
	}
	if out.Actions == nil {
		out.Actions = []jsrt.UserAction{}
	}
	if out.Logs == nil {
		out.Logs = []jsrt.LogLine{}
	}
	return out
}
