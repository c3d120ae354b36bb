package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/uptrace/bun"
	"golang.org/x/sync/singleflight"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/jsrt"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// Code stores, versions, compiles and runs a bot's JavaScript handlers.
//
// A save compiles first (nothing is stored when the source does not
// compile) and keeps the compiled program in memory, so the first request
// after a save runs at once; other instances compile a version on its
// first request. Runs go through the shared jsrt.Engine with a concurrency
// gate per account and per bot (half the engine's runtimes at most each),
// so neither one bot's flood of slow requests nor several bots of one
// account leave other accounts without runtimes.
type Code struct {
	db     *bun.DB
	bots   *Bots
	tg     *telegram.Client
	engine *jsrt.Engine
	log    *slog.Logger

	docLimits models.DocLimits
	programs  *programCache
	versions  *versionCache
	gate      *botGate // runs per bot
	owners    *botGate // runs per account (keyed by owner id)
	envs      *settingsCache
	logs      *logBudget
	compiles  singleflight.Group
}

// NewCode returns the bot-code use cases.
func NewCode(db *bun.DB, bots *Bots, tg *telegram.Client, engine *jsrt.Engine, log *slog.Logger) *Code {
	return &Code{db: db, bots: bots, tg: tg, engine: engine, log: log,
		docLimits: models.DefaultDocLimits(),
		programs:  newProgramCache(),
		versions:  newVersionCache(),
		gate:      newBotGate(engine.Config().MaxConcurrent / 2),
		owners:    newBotGate(engine.Config().MaxConcurrent / 2),
		envs:      newSettingsCache(),
		logs:      newLogBudget(),
	}
}

// Errors of bot code.
var (
	ErrCodeConflict = &apperr.Error{Kind: apperr.KindConflict, Code: "version_conflict",
		Message: "The code was saved by someone else since you started editing. Reload to see the current version; your text is kept in the editor until you do."}
	ErrVersionNotFound = apperr.NotFound("version")
)

// CompileError is a source that does not compile: nothing was saved. It
// reaches clients as a 422 compile_error (a *apperr.Error wrapping it).
type CompileError struct {
	Message string `json:"message"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

func (e *CompileError) Error() string { return e.Text() }

// Text is the error as one line: "Line 3, column 7: Unexpected token".
func (e *CompileError) Text() string {
	if e.Line > 0 {
		return fmt.Sprintf("Line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return e.Message
}

func compileFailed(ce *jsrt.CompileError) error {
	e := &CompileError{Message: ce.Message, Line: ce.Line, Column: ce.Column}
	// The message is the compiler's, as the API documents it ({message,
	// line, column}); fields.source says the same with the position, for
	// people.
	return &apperr.Error{Kind: apperr.KindInvalid, Code: "compile_error", Message: e.Message,
		Fields: apperr.FieldErrors{"source": e.Text()}, Details: map[string]any{"line": e.Line, "column": e.Column}, Err: e}
}

// CodePage is everything the editor shows about a bot.
type CodePage struct {
	Bot            *models.Bot
	Current        *models.CodeVersion // nil when the bot has no code
	UpdateHandlers []string            // the current code's update handlers, in match order
	Versions       []models.CodeVersion
	Errors         []models.BotLog // recent handler errors, newest first
}

// JSON is the API shape of the current code.
func (p *CodePage) JSON() contract.CodeJSON {
	out := contract.CodeJSON{Handlers: []string{}, UpdateHandlers: p.UpdateHandlers}
	if out.UpdateHandlers == nil {
		out.UpdateHandlers = []string{}
	}
	if p.Current != nil {
		out.Source, out.Version, out.Handlers = p.Current.Source, p.Current.Version, p.Current.Handlers
		out.UpdatedAt = p.Bot.CodeUpdatedAt
		if out.Handlers == nil {
			out.Handlers = []string{}
		}
	}
	return out
}

// editorVersions and editorErrors are how many of each the editor shows.
const (
	editorVersions = 20
	editorErrors   = 5
)

// Page returns the owner's bot with its current code, recent versions and
// recent handler errors.
func (c *Code) Page(ctx context.Context, ownerID, botID string) (*CodePage, error) {
	b, err := c.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	p := &CodePage{Bot: b}
	if b.CodeVersion > 0 {
		if p.Current, err = models.CodeVersionByNumber(ctx, c.db, b.ID, b.CodeVersion); err != nil {
			return nil, err
		}
		if p.UpdateHandlers, err = c.updateHandlers(ctx, b.ID, b.CodeVersion); err != nil {
			return nil, err
		}
	}
	if p.Versions, _, err = models.ListCodeVersions(ctx, c.db, b.ID, models.Window{Limit: editorVersions}); err != nil {
		return nil, err
	}
	p.Errors, _, err = models.ListLogs(ctx, c.db, b.ID, models.LogFilter{Level: models.LogError, Source: models.SourceHandler},
		models.Window{Limit: editorErrors})
	return p, err
}

// Saved is the outcome of a save or a restore.
type Saved struct {
	Bot            *models.Bot
	Version        *models.CodeVersion
	Changed        bool     // false when the source was already the current one
	UpdateHandlers []string // the saved code's update handlers
}

// JSON is the API shape of a save.
func (s *Saved) JSON() contract.SavedCodeJSON {
	h := s.Version.Handlers
	if h == nil {
		h = []string{}
	}
	u := s.UpdateHandlers
	if u == nil {
		u = []string{}
	}
	return contract.SavedCodeJSON{Version: s.Version.Version, Handlers: h, UpdatedAt: s.Bot.CodeUpdatedAt, RestoredFrom: s.Version.RestoredFrom, UpdateHandlers: u}
}

// Bot returns one of the owner's bots: handlers check ownership with it
// before they read a request's body, so another account's bot is a 404
// whatever the body says.
func (c *Code) Bot(ctx context.Context, ownerID, botID string) (*models.Bot, error) {
	return c.bots.Get(ctx, ownerID, botID)
}

// Save compiles the source and stores it as the bot's new current version.
// A source that does not compile is refused (compile_error) and nothing is
// stored; saving the current source again changes nothing. b comes from Bot.
func (c *Code) Save(ctx context.Context, b *models.Bot, userID string, req contract.SaveCodeRequest) (*Saved, error) {
	if b.Status == models.BotDeleted {
		return nil, ErrBotDeleted
	}
	prog, err := c.compile(req.Source)
	if err != nil {
		return nil, err
	}
	if b.CodeVersion > 0 && (req.BaseVersion == nil || *req.BaseVersion == b.CodeVersion) {
		cur, err := models.CodeVersionByNumber(ctx, c.db, b.ID, b.CodeVersion)
		if err != nil {
			return nil, err
		}
		if cur.Source == req.Source {
			return &Saved{Bot: b, Version: cur, UpdateHandlers: routeNames(prog)}, nil
		}
	}
	v := &models.CodeVersion{BotID: b.ID, Source: req.Source, Handlers: prog.Handlers(), CreatedBy: userID, CreatedAt: models.Now()}
	return c.store(ctx, b, v, prog, req.BaseVersion)
}

// Restore saves an earlier version's source as the new current version
// (the history stays append-only). The old source is compiled again: if it
// no longer compiles, nothing is saved.
func (c *Code) Restore(ctx context.Context, b *models.Bot, userID, version string) (*Saved, error) {
	if b.Status == models.BotDeleted {
		return nil, ErrBotDeleted
	}
	old, err := c.versionOf(ctx, b, version)
	if err != nil {
		return nil, err
	}
	if old.Version == b.CodeVersion {
		uh, err := c.updateHandlers(ctx, b.ID, old.Version)
		return &Saved{Bot: b, Version: old, UpdateHandlers: uh}, err
	}
	prog, err := c.compile(old.Source)
	if err != nil {
		return nil, err
	}
	from := old.Version
	v := &models.CodeVersion{BotID: b.ID, Source: old.Source, Handlers: prog.Handlers(), RestoredFrom: &from, CreatedBy: userID, CreatedAt: models.Now()}
	return c.store(ctx, b, v, prog, nil)
}

func (c *Code) compile(source string) (*jsrt.Program, error) {
	prog, err := c.engine.Compile(source)
	var ce *jsrt.CompileError
	if errors.As(err, &ce) {
		return nil, compileFailed(ce)
	}
	return prog, err
}

func (c *Code) store(ctx context.Context, b *models.Bot, v *models.CodeVersion, prog *jsrt.Program, base *int) (*Saved, error) {
	var ok bool
	err := c.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		ok, err = models.AddCodeVersion(ctx, tx, v, base)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		if base != nil {
			return nil, ErrCodeConflict
		}
		return nil, apperr.NotFound("bot")
	}
	c.programs.put(b.ID, newCompiled(v.Version, prog, len(v.Source)))
	c.versions.set(b.ID, v.Version)
	b.CodeVersion, b.CodeUpdatedAt = v.Version, &v.CreatedAt
	return &Saved{Bot: b, Version: v, Changed: true, UpdateHandlers: routeNames(prog)}, nil
}

// updateHandlers lists the update handlers of a bot's code version (none
// when it no longer compiles).
func (c *Code) updateHandlers(ctx context.Context, botID string, version int) ([]string, error) {
	p, err := c.program(ctx, botID, version)
	if err != nil || p.err != nil {
		return nil, err
	}
	return routeNames(p.prog), nil
}

func routeNames(p *jsrt.Program) []string {
	routes := p.UpdateRoutes()
	out := make([]string, len(routes))
	for i, r := range routes {
		out[i] = r.String()
	}
	return out
}

// VersionList is one page of the history.
type VersionList struct {
	Bot      *models.Bot
	Versions []models.CodeVersion
	Total    int
}

// Versions lists the owner's bot's code versions, newest first.
func (c *Code) Versions(ctx context.Context, ownerID, botID string, page contract.Page) (*VersionList, error) {
	b, err := c.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	versions, total, err := models.ListCodeVersions(ctx, c.db, b.ID, page.Window())
	return &VersionList{Bot: b, Versions: versions, Total: total}, err
}

// Version returns one version with its source.
func (c *Code) Version(ctx context.Context, ownerID, botID, version string) (*models.Bot, *models.CodeVersion, error) {
	b, err := c.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, nil, err
	}
	v, err := c.versionOf(ctx, b, version)
	return b, v, err
}

func (c *Code) versionOf(ctx context.Context, b *models.Bot, version string) (*models.CodeVersion, error) {
	n, err := strconv.Atoi(version)
	if err != nil || n < 1 {
		return nil, ErrVersionNotFound
	}
	return models.CodeVersionByNumber(ctx, c.db, b.ID, n)
}

// TestRun is a test panel run: the request as sent, and the answer the
// custom webhook would give.
type TestRun struct {
	Bot      *models.Bot
	Request  contract.TestCodeRequest
	Response *WebhookResponse
	Update   *UpdateRun // a simulated update's run (Response is nil)
}

// Test runs one request against the owner's bot's saved code exactly as
// ANY /custom/{botId}/{path} would, but for the transport: same checks and
// errors, same bindings (db writes and Telegram calls happen), same log
// entries. Only a body that is not JSON is refused as a field error (422):
// it is typed into the panel, not sent by a client. b comes from Bot.
func (c *Code) Test(ctx context.Context, b *models.Bot, req contract.TestCodeRequest) (*TestRun, error) {
	if req.Update != nil {
		return c.simulate(ctx, b, req)
	}
	if len(req.Body) > 0 && !json.Valid(req.Body) {
		return nil, apperr.Invalid("The body is not valid JSON.", apperr.FieldErrors{"body": "is not valid JSON"})
	}
	run := &TestRun{Bot: b, Request: req}
	if !jsrt.ValidHandlerName(req.Path) {
		run.Response = whInvalidPath.copyResponse()
		return run, nil
	}
	body := []byte(req.Body)
	wb := webhookBot{ID: b.ID, OwnerID: b.OwnerID, Username: b.Username, Status: b.Status, CodeVersion: b.CodeVersion}
	run.Response = c.invoke(ctx, wb, WebhookRequest{Path: req.Path, Method: req.Method, Query: req.Query,
		ReadBody: func() ([]byte, error) { return body, nil }, Source: sourceEditorTest})
	// The panel shows the answer; a secret setting's value stays write-only.
	if env, err := c.env(ctx, b.ID); err == nil && len(env.secrets) > 0 {
		run.Response.Body = json.RawMessage(env.redact(string(run.Response.Body)))
	}
	return run, nil
}

// program returns the compiled current code of a bot, compiling it once
// (per process and version) when it is not in memory.
func (c *Code) program(ctx context.Context, botID string, version int) (*compiled, error) {
	if p := c.programs.get(botID, version); p != nil {
		return p, nil
	}
	key := botID + "/" + strconv.Itoa(version)
	v, err, _ := c.compiles.Do(key, func() (any, error) {
		if p := c.programs.get(botID, version); p != nil {
			return p, nil
		}
		cv, err := models.CodeVersionByNumber(context.WithoutCancel(ctx), c.db, botID, version)
		if err != nil {
			return nil, err
		}
		prog, err := c.engine.Compile(cv.Source)
		var ce *jsrt.CompileError
		var p *compiled
		switch {
		case errors.As(err, &ce):
			p = &compiled{version: version, err: ce, size: len(cv.Source)}
		case err != nil:
			return nil, err
		default:
			p = newCompiled(version, prog, len(cv.Source))
		}
		c.programs.put(botID, p)
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*compiled), nil
}

// TestRunJSON is the API shape of a test run: the webhook's answer
// (status, the headers the webhook sets, the body as JSON), the console
// output, the run's time and, when the handler failed, the error in full
// (the webhook itself only says handler_error).
type TestRunJSON struct {
	Status      int               `json:"status"`
	Headers     map[string]string `json:"headers"`
	Body        json.RawMessage   `json:"body"`
	Logs        []jsrt.LogLine    `json:"logs"`
	LogsDropped int               `json:"logsDropped"`
	DurationMs  float64           `json:"durationMs"`
	Error       *HandlerFailure   `json:"error"`
}

// JSON returns the API shape of the run.
func (t *TestRun) JSON() TestRunJSON {
	r := t.Response
	logs := r.Logs
	if logs == nil {
		logs = []jsrt.LogLine{}
	}
	return TestRunJSON{Status: r.Status, Headers: r.HeaderSet(), Body: r.Body, Logs: logs, LogsDropped: r.LogsDropped,
		DurationMs: float64(r.Duration.Microseconds()) / 1000, Error: r.Err}
}
