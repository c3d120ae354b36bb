package core

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/safehttp"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// RelayKeep is how long Botdeck keeps trying to relay an update (from when
// it was received), as Telegram keeps undelivered updates for 24 hours.
// It is also how far back a relay that is switched on again resumes.
const RelayKeep = 24 * time.Hour

// urlChecker says whether the relay may call a URL.
type urlChecker interface {
	CheckURL(ctx context.Context, raw string) error
}

// Relays manages where each bot's updates are relayed: the owner's own bot
// server (internal/relay delivers; internal/botapi's setWebhook and
// getUpdates drive the same state).
type Relays struct {
	db    *bun.DB
	bots  *Bots
	check urlChecker
	feed  *events.Throttle
}

// relayFeedEvery is the shortest time between two relay events of one
// bot: the relay may deliver thousands of updates a second, its tab needs
// a few refreshes.
const relayFeedEvery = 300 * time.Millisecond

// NewRelays returns the relay use cases; check vets target URLs. Close it
// at shutdown.
func NewRelays(db *bun.DB, bots *Bots, check urlChecker) *Relays {
	s := &Relays{db: db, bots: bots, check: check}
	s.feed = events.NewThrottle(relayFeedEvery, s.publish)
	return s
}

// Changed says bot botID's relay changed (it delivered, failed an attempt,
// or its owner changed it): a relay event with the relay as stored is
// published at once, or at the end of the current interval when one was
// published less than relayFeedEvery ago, so the last change always
// reaches the Relay tab however fast deliveries come. Call it after the
// change commits; it never waits.
func (s *Relays) Changed(botID string) { s.feed.Touch(botID) }

// Close drops pending relay events and waits for running ones.
func (s *Relays) Close() { s.feed.Close() }

// publish raises the relay event of botID in its own transaction, with the
// relay's state read in it (so the event says what a page reloading now
// shows).
func (s *Relays) publish(botID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		b, err := models.BotByID(ctx, tx, botID)
		if err != nil {
			return err
		}
		d := events.RelayData{State: "off"}
		r, err := models.RelayOf(ctx, tx, botID)
		if err != nil {
			return err
		}
		if r != nil {
			st := &RelayState{Bot: b, Relay: r}
			d.State, d.DeliveredThrough, d.LastError = st.State(), r.DeliveredThrough, r.LastError
			if d.Backlog, err = models.RelayBacklog(ctx, tx, botID, r.DeliveredThrough); err != nil {
				return err
			}
		}
		return s.bots.events.Publish(ctx, tx, events.RelayChanged(b.OwnerID, b.ID, d))
	})
	if err != nil && s.bots.log != nil {
		s.bots.log.WarnContext(ctx, "relay feed: publish", "bot", botID, "err", err)
	}
}

// errURLNotAllowed is a relay target Botdeck refuses to call.
func errURLNotAllowed(err error) error {
	return &apperr.Error{Kind: apperr.KindInvalid, Code: "url_not_allowed",
		Message: "Botdeck does not relay to this address: " + reasonOf(err) + ".",
		Fields:  apperr.FieldErrors{"url": "is not allowed: use a public http(s) address"}, Err: err}
}

func reasonOf(err error) string {
	if errors.Is(err, safehttp.ErrNotAllowed) {
		return "private, loopback, link-local and other internal addresses are refused"
	}
	return "its host name does not resolve"
}

// RelayState is a relay with what the owner sees about it.
type RelayState struct {
	Bot     *models.Bot
	Relay   *models.Relay // nil when the bot never had one
	Secret  string
	Backlog int
}

// State is "off" (no relay or switched off), "failing" or "ok".
func (s *RelayState) State() string {
	switch {
	case !s.Relay.Active():
		return "off"
	case s.Relay.FailingSince != nil:
		return "failing"
	}
	return "ok"
}

// Get returns the bot's relay as its owner sees it.
func (s *Relays) Get(ctx context.Context, ownerID, botID string) (*RelayState, error) {
	b, err := s.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	return s.stateOf(ctx, b)
}

func (s *Relays) stateOf(ctx context.Context, b *models.Bot) (*RelayState, error) {
	r, err := models.RelayOf(ctx, s.db, b.ID)
	if err != nil || r == nil {
		return &RelayState{Bot: b}, err
	}
	st := &RelayState{Bot: b, Relay: r}
	if st.Secret, err = s.Secret(r); err != nil {
		return nil, err
	}
	if st.Backlog, err = models.RelayBacklog(ctx, s.db, b.ID, r.DeliveredThrough); err != nil {
		return nil, err
	}
	return st, nil
}

// Secret decrypts a relay's secret. It is shown to the owner only.
func (s *Relays) Secret(r *models.Relay) (string, error) {
	b, err := s.bots.sealer.Open(r.SecretCiphertext, relaySecretAD(r.BotID))
	return string(b), err
}

func relaySecretAD(botID string) []byte { return []byte("relay-secret:" + botID) }

// newRelaySecret is 32 random bytes in base64url: 43 characters of
// [A-Za-z0-9_-], what Telegram allows in a webhook secret_token.
func newRelaySecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Put sets the relay's target and switch.
func (s *Relays) Put(ctx context.Context, ownerID, botID string, req contract.PutRelayRequest) (*RelayState, error) {
	b, err := s.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	if b.Status == models.BotDeleted {
		return nil, ErrBotDeleted
	}
	if err := s.SetTarget(ctx, b, req.URL, req.Enabled, "", false); err != nil {
		return nil, err
	}
	return s.stateOf(ctx, b)
}

// SetTarget points b's relay at url (checked first unless empty), switched
// on or off. Like Telegram's pending updates, a relay created now starts
// with the updates of the last RelayKeep, and one switched on again resumes
// where it stopped but not further back than that; dropPending skips to
// the latest update. A non-empty secret replaces the relay's secret (setWebhook's
// secret_token).
func (s *Relays) SetTarget(ctx context.Context, b *models.Bot, url string, enabled bool, secret string, dropPending bool) error {
	if url != "" {
		if err := s.check.CheckURL(ctx, url); err != nil {
			return errURLNotAllowed(err)
		}
	}
	now := models.Now()
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		prev, err := models.RelayOf(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		if prev == nil {
			latest, err := models.LatestUpdateID(ctx, tx, b.ID, now.Add(-RelayKeep))
			if err != nil {
				return err
			}
			sec := secret
			if sec == "" {
				sec = newRelaySecret()
			}
			r := &models.Relay{BotID: b.ID, URL: url, Enabled: enabled, DeliveredThrough: latest,
				SecretCiphertext: s.bots.sealer.Seal([]byte(sec), relaySecretAD(b.ID)), CreatedAt: now, UpdatedAt: now}
			if _, err := models.InsertRelayIfMissing(ctx, tx, r); err != nil {
				return err
			}
		} else {
			if err := models.SetRelayTarget(ctx, tx, b.ID, url, enabled, now); err != nil {
				return err
			}
			if secret != "" {
				if err := models.SetRelaySecret(ctx, tx, b.ID, s.bots.sealer.Seal([]byte(secret), relaySecretAD(b.ID)), now); err != nil {
					return err
				}
			}
			if enabled && !prev.Active() {
				skip, err := models.LatestUpdateID(ctx, tx, b.ID, now.Add(-RelayKeep))
				if err != nil {
					return err
				}
				if _, err := models.AdvanceRelayCursor(ctx, tx, b.ID, skip, now); err != nil {
					return err
				}
			}
		}
		if dropPending {
			latest, err := models.LatestUpdateID(ctx, tx, b.ID, time.Time{})
			if err != nil {
				return err
			}
			if _, err := models.AdvanceRelayCursor(ctx, tx, b.ID, latest, now); err != nil {
				return err
			}
		}
		// A relay switched off or pointed elsewhere no longer warns.
		if err := models.SetRelayWarning(ctx, tx, b.ID, ""); err != nil {
			return err
		}
		_, err = refreshBotWarning(ctx, tx, s.bots.events, b.ID)
		return err
	})
	if err == nil {
		s.Changed(b.ID)
	}
	return err
}

// RotateSecret gives the relay a new secret.
func (s *Relays) RotateSecret(ctx context.Context, ownerID, botID string) (*RelayState, error) {
	b, err := s.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	if b.Status == models.BotDeleted {
		return nil, ErrBotDeleted
	}
	r, err := models.RelayOf(ctx, s.db, b.ID)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, apperr.NotFound("relay")
	}
	sealed := s.bots.sealer.Seal([]byte(newRelaySecret()), relaySecretAD(b.ID))
	if err := models.SetRelaySecret(ctx, s.db, b.ID, sealed, models.Now()); err != nil {
		return nil, err
	}
	return s.stateOf(ctx, b)
}

// Deliveries lists the bot's delivery log, newest first.
func (s *Relays) Deliveries(ctx context.Context, ownerID, botID string, req contract.ListRelayDeliveriesRequest) (*models.Bot, []models.RelayDelivery, int, error) {
	b, err := s.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, nil, 0, err
	}
	ds, total, err := models.ListRelayDeliveries(ctx, s.db, b.ID, req.Status, req.Window())
	return b, ds, total, err
}

// SetWarning records why b's relay is failing ("" when it works again),
// with a line in the bot's log, and puts the bot in warning (or back).
func (s *Relays) SetWarning(ctx context.Context, botID, warning string) error {
	entry := &models.BotLog{BotID: botID, Level: models.LogError, Source: models.SourceBotdeck,
		Message: "Relay delivery is failing: " + warning}
	if warning == "" {
		entry = &models.BotLog{BotID: botID, Level: models.LogInfo, Source: models.SourceBotdeck,
			Message: "Relay delivery works again."}
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.SetRelayWarning(ctx, tx, botID, warning); err != nil {
			return err
		}
		if err := models.InsertLogs(ctx, tx, entry); err != nil {
			return err
		}
		if err := notifyRelay(ctx, tx, s.bots.events, botID, warning); err != nil {
			return err
		}
		_, err := refreshBotWarning(ctx, tx, s.bots.events, botID)
		return err
	})
}

// ByToken finds the live bot a Bot API token belongs to (for the Bot API
// proxy), by the token's keyed lookup hash; nil when Botdeck does not
// manage it.
func (s *Bots) ByToken(ctx context.Context, token string) (*models.Bot, error) {
	if !telegram.ValidTokenFormat(token) {
		return nil, nil
	}
	return models.LiveBotByTokenHash(ctx, s.db, s.sealer.LookupHash(token))
}

// Ensure returns b's relay, creating a switched-off one (with the updates
// of the last RelayKeep pending, as Telegram keeps them) when it has none: the Bot API proxy's
// getUpdates confirms updates through its cursor.
func (s *Relays) Ensure(ctx context.Context, b *models.Bot) (*models.Relay, error) {
	r, err := models.RelayOf(ctx, s.db, b.ID)
	if err != nil || r != nil {
		return r, err
	}
	now := models.Now()
	latest, err := models.LatestUpdateID(ctx, s.db, b.ID, now.Add(-RelayKeep))
	if err != nil {
		return nil, err
	}
	if _, err := models.InsertRelayIfMissing(ctx, s.db, &models.Relay{BotID: b.ID, DeliveredThrough: latest,
		SecretCiphertext: s.bots.sealer.Seal([]byte(newRelaySecret()), relaySecretAD(b.ID)), CreatedAt: now, UpdatedAt: now}); err != nil {
		return nil, err
	}
	return models.RelayOf(ctx, s.db, b.ID)
}

// Backlog counts b's stored updates the relay has not delivered.
func (s *Relays) Backlog(ctx context.Context, r *models.Relay) (int, error) {
	return models.RelayBacklog(ctx, s.db, r.BotID, r.DeliveredThrough)
}

// Confirm moves b's cursor forward to through (getUpdates' offset).
func (s *Relays) Confirm(ctx context.Context, botID string, through int64) error {
	moved, err := models.AdvanceRelayCursor(ctx, s.db, botID, through, models.Now())
	if moved {
		s.Changed(botID)
	}
	return err
}
