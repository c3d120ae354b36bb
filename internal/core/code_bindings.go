package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/jsrt"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// The bindings one run of a bot's code gets: its own document store and
// its own Telegram client. Both are bound to the bot before the run starts,
// so nothing bot code passes can name another bot; the token stays in Go.

// docStore is jsrt.DocStore over models.Documents.
type docStore struct{ d *models.Documents }

var _ jsrt.DocStore = docStore{}

func newDocStore(db bun.IDB, botID string, limits models.DocLimits) docStore {
	return docStore{d: models.BotDocuments(db, botID, limits)}
}

func (s docStore) FindOne(ctx context.Context, coll string, f jsrt.Filter) (jsrt.Doc, error) {
	doc, err := s.d.FindOne(ctx, coll, f)
	return doc, publicDocError(err)
}

func (s docStore) Find(ctx context.Context, coll string, f jsrt.Filter, o jsrt.FindOptions) ([]jsrt.Doc, error) {
	opts := models.DocFind{Limit: o.Limit, Skip: o.Skip}
	for _, sf := range o.Sort {
		opts.Sort = append(opts.Sort, models.DocSort{Field: sf.Field, Desc: sf.Desc})
	}
	docs, err := s.d.Find(ctx, coll, f, opts)
	if err != nil {
		return nil, publicDocError(err)
	}
	return docs, nil
}

func (s docStore) InsertOne(ctx context.Context, coll string, doc jsrt.Doc) (string, error) {
	id, err := s.d.Insert(ctx, coll, doc)
	return id, publicDocError(err)
}

func (s docStore) UpdateOne(ctx context.Context, coll string, f jsrt.Filter, u jsrt.Update) (jsrt.UpdateResult, error) {
	res, err := s.d.UpdateOne(ctx, coll, f, models.DocUpdate{Set: u.Set, Inc: u.Inc, Replace: u.Replace, Upsert: u.Upsert})
	return jsrt.UpdateResult{Matched: res.Matched, Modified: res.Modified, UpsertedID: res.UpsertedID}, publicDocError(err)
}

func (s docStore) DeleteOne(ctx context.Context, coll string, f jsrt.Filter) (int64, error) {
	n, err := s.d.DeleteOne(ctx, coll, f)
	return n, publicDocError(err)
}

func (s docStore) Count(ctx context.Context, coll string, f jsrt.Filter) (int64, error) {
	n, err := s.d.Count(ctx, coll, f)
	return n, publicDocError(err)
}

// publicDocError lets the store's refusals reach the bot's code; any other
// error (SQL, connection) stays a generic failure there.
func publicDocError(err error) error {
	var de *models.DocError
	if errors.As(err, &de) {
		return jsrt.Public(de.Message, err)
	}
	return err
}

// botTelegram is jsrt.Telegram for one bot: the token is read (and
// decrypted) on the first call of a run and never leaves Go.
type botTelegram struct {
	c     *Code
	botID string

	mu    sync.Mutex
	bot   *models.Bot
	token string
}

var _ jsrt.Telegram = (*botTelegram)(nil)

func (t *botTelegram) credentials(ctx context.Context) (*models.Bot, string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" {
		return t.bot, t.token, nil
	}
	b, err := models.BotByID(ctx, t.c.db, t.botID)
	if err != nil {
		return nil, "", err
	}
	token, err := t.c.bots.Token(b)
	if err != nil {
		return nil, "", err
	}
	t.bot, t.token = b, token
	return b, token, nil
}

func (t *botTelegram) Call(ctx context.Context, method string, params map[string]any) (any, error) {
	if telegram.IsManagedMethod(method) {
		return nil, jsrt.Public(method+" is reserved for Botdeck and cannot be called from bot code", nil)
	}
	b, token, err := t.credentials(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := t.c.tg.Call(ctx, token, method, params)
	if err != nil {
		t.c.bots.NoteTelegramError(context.WithoutCancel(ctx), b, err)
		t.c.recordCodeMessage(context.WithoutCancel(ctx), b, method, params, nil, telegramReason(err))
		return nil, publicTelegramError(err)
	}
	t.c.recordCodeMessage(context.WithoutCancel(ctx), b, method, params, raw, "")
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("decode %s result: %w", method, err)
	}
	return out, nil
}

// publicTelegramError is what bot code learns of a failed call: Telegram's
// own description (already scrubbed of the token by the client), or that
// it could not be reached.
func publicTelegramError(err error) error {
	var te *telegram.Error
	if errors.As(err, &te) {
		if te.Code == 0 {
			return jsrt.Public("Telegram could not be reached", err)
		}
		desc := te.Description
		if desc == "" {
			desc = "error " + fmt.Sprint(te.Code)
		}
		if errors.Is(err, telegram.ErrUnauthorized) {
			desc += " (the bot's token was revoked: reconnect the bot with its new token)"
		}
		return jsrt.Public(fmt.Sprintf("Telegram refused it (%d): %s", te.Code, strings.TrimSpace(desc)), err)
	}
	return err
}
