package core

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/jsrt"
	"github.com/botdeck/botdeck/models"
)

// Bot settings: name/value pairs the bot's code reads as env.NAME.
//
// A secret's value is sealed with the bot tokens' key (internal/secrets,
// the bot id and the name as associated data) and is write-only: the API
// and the page never show it again, code versions and exports never hold
// it, and every run's console output and error, as written to the log and
// shown by the test panel, has secret values replaced by "[secret NAME]".
// Runs read the settings through a per-bot cache that a change on this
// instance clears at once and other instances' changes reach within
// versionTTL.

var settingName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// ErrTooManySettings is a new setting beyond models.MaxBotSettings.
var ErrTooManySettings = &apperr.Error{Kind: apperr.KindConflict, Code: "too_many_settings",
	Message: fmt.Sprintf("A bot has at most %d settings: delete one first.", models.MaxBotSettings)}

// SettingsPage is a bot with its settings.
type SettingsPage struct {
	Bot      *models.Bot
	Settings []models.BotSetting
}

// Settings lists the owner's bot's settings.
func (c *Code) Settings(ctx context.Context, ownerID, botID string) (*SettingsPage, error) {
	b, err := c.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	list, err := models.ListBotSettings(ctx, c.db, b.ID)
	return &SettingsPage{Bot: b, Settings: list}, err
}

// PutSetting sets one setting of the bot (b comes from Bot). Making a
// setting secret seals its value; an empty value for a secret that exists
// keeps the sealed one (the form's field is always blank).
func (c *Code) PutSetting(ctx context.Context, b *models.Bot, name string, req contract.PutSettingRequest) (*models.BotSetting, error) {
	if b.Status == models.BotDeleted {
		return nil, ErrBotDeleted
	}
	if !settingName.MatchString(name) {
		return nil, apperr.Invalid("The name is not valid.", apperr.FieldErrors{"name": "must be 1 to 64 letters, digits or '_', not starting with a digit"})
	}
	value := *req.Value
	if strings.ContainsRune(value, 0) {
		return nil, &apperr.Error{Kind: apperr.KindInvalid, Code: "invalid_text", Message: "The value contains a NUL character.",
			Fields: apperr.FieldErrors{"value": "must not contain NUL characters"}}
	}
	s := &models.BotSetting{BotID: b.ID, Name: name, Secret: req.Secret, UpdatedAt: models.Now()}
	var ok bool
	err := c.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if req.Secret && value == "" {
			list, err := models.ListBotSettings(ctx, tx, b.ID)
			if err != nil {
				return err
			}
			for _, old := range list {
				if old.Name == name && old.Secret {
					s.Ciphertext = old.Ciphertext
				}
			}
		}
		if req.Secret && s.Ciphertext == nil {
			s.Ciphertext = c.bots.sealer.Seal([]byte(value), settingAAD(b.ID, name))
		} else if !req.Secret {
			s.Value = value
		}
		var err error
		ok, err = models.PutBotSetting(ctx, tx, s)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrTooManySettings
	}
	c.envs.forget(b.ID)
	return s, nil
}

// DeleteSetting deletes one setting (404 when there is none).
func (c *Code) DeleteSetting(ctx context.Context, b *models.Bot, name string) error {
	if b.Status == models.BotDeleted {
		return ErrBotDeleted
	}
	ok, err := models.DeleteBotSetting(ctx, c.db, b.ID, name)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.NotFound("setting")
	}
	c.envs.forget(b.ID)
	return nil
}

func settingAAD(botID, name string) []byte { return []byte("setting:" + botID + ":" + name) }

// botEnv is what runs of a bot read: env, and the secret values to redact.
type botEnv struct {
	env     map[string]string
	secrets []secretValue
	expires time.Time
}

type secretValue struct{ name, value string }

type settingsCache struct {
	mu sync.Mutex
	m  map[string]*botEnv
}

func newSettingsCache() *settingsCache { return &settingsCache{m: map[string]*botEnv{}} }

func (s *settingsCache) forget(botID string) {
	s.mu.Lock()
	delete(s.m, botID)
	s.mu.Unlock()
}

// env returns the bot's settings for a run.
func (c *Code) env(ctx context.Context, botID string) (*botEnv, error) {
	c.envs.mu.Lock()
	e := c.envs.m[botID]
	c.envs.mu.Unlock()
	if e != nil && time.Now().Before(e.expires) {
		return e, nil
	}
	list, err := models.ListBotSettings(ctx, c.db, botID)
	if err != nil {
		return nil, err
	}
	e = &botEnv{expires: time.Now().Add(versionTTL)}
	if len(list) > 0 {
		e.env = make(map[string]string, len(list))
	}
	for _, s := range list {
		if !s.Secret {
			e.env[s.Name] = s.Value
			continue
		}
		v, err := c.bots.sealer.Open(s.Ciphertext, settingAAD(botID, s.Name))
		if err != nil {
			return nil, fmt.Errorf("open secret setting %s of %s: %w", s.Name, botID, err)
		}
		e.env[s.Name] = string(v)
		if len(v) > 0 {
			e.secrets = append(e.secrets, secretValue{s.Name, string(v)})
		}
	}
	// Longest first, so that a secret containing another is replaced whole.
	sort.Slice(e.secrets, func(i, j int) bool { return len(e.secrets[i].value) > len(e.secrets[j].value) })
	c.envs.mu.Lock()
	if len(c.envs.m) >= webhookCacheMax {
		clear(c.envs.m)
	}
	c.envs.m[botID] = e
	c.envs.mu.Unlock()
	return e, nil
}

// redact replaces secret values in text.
func (e *botEnv) redact(text string) string {
	if e == nil {
		return text
	}
	for _, s := range e.secrets {
		if strings.Contains(text, s.value) {
			text = strings.ReplaceAll(text, s.value, "[secret "+s.name+"]")
		}
	}
	return text
}

// redactRun removes secret values from what a run reports: console lines
// and the failure.
func (e *botEnv) redactRun(logs []jsrt.LogLine, f *HandlerFailure) {
	if e == nil || len(e.secrets) == 0 {
		return
	}
	for i := range logs {
		logs[i].Message = e.redact(logs[i].Message)
	}
	if f != nil {
		f.Message, f.Stack = e.redact(f.Message), e.redact(f.Stack)
	}
}

// redactValue returns v (JSON-compatible) with secret values redacted in
// its strings.
func (e *botEnv) redactValue(v any) any {
	if e == nil || len(e.secrets) == 0 {
		return v
	}
	switch x := v.(type) {
	case string:
		return e.redact(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e2 := range x {
			out[k] = e.redactValue(e2)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e2 := range x {
			out[i] = e.redactValue(e2)
		}
		return out
	}
	return v
}
