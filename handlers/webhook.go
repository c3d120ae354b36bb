package handlers

import (
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/models"
)

// Webhook receives Telegram's deliveries at POST /tg/{botId}. It answers
// 2xx only once the update is durably stored, so Telegram retries anything
// that was not; it is not part of /api and speaks plain HTTP statuses.
type Webhook struct {
	bots   *core.Bots
	ingest *ingest.Pipeline
	log    *slog.Logger
}

// NewWebhook returns the receiver.
func NewWebhook(d Deps) *Webhook {
	return &Webhook{bots: d.Bots, ingest: d.Ingest, log: d.Respond.Log}
}

// secretHeader is the header Telegram sends the webhook secret in.
const secretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Receive checks the secret in constant time, then stores the update.
func (h *Webhook) Receive(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	bot, err := h.bots.ForWebhook(ctx, r.PathValue("botId"))
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		h.log.ErrorContext(ctx, "webhook: load bot", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	// An unknown or disconnected bot answers exactly like a wrong secret,
	// after the same constant-time comparison: the endpoint reveals nothing.
	expected := "not a valid secret for any bot"
	if bot != nil && bot.Status != models.BotDeleted && bot.Status != models.BotConnecting {
		expected = bot.WebhookSecret
	}
	got := r.Header.Get(secretHeader)
	if subtle.ConstantTimeCompare([]byte(got), []byte(expected)) != 1 || bot == nil || expected != bot.WebhookSecret {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if bot.Halted() {
		// Stopped by its owner: acknowledged and ignored, so Telegram does
		// not queue it for redelivery.
		w.WriteHeader(http.StatusOK)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, ingest.MaxUpdateBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read the update", http.StatusBadRequest)
		return
	}
	if _, err := h.ingest.Receive(ctx, bot.ID, body); err != nil {
		if errors.Is(err, ingest.ErrNotAnUpdate) {
			http.Error(w, "not a Telegram update", http.StatusBadRequest)
			return
		}
		h.log.ErrorContext(ctx, "webhook: store update", "bot", bot.ID, "err", err)
		http.Error(w, "could not store the update; retry", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}
