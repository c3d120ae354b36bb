package telegramtest

import (
	"net/http"
	"net/url"
	"regexp"

	"github.com/mymmrac/telego"
)

var secretTokenShape = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// setWebhook stores the webhook. Unlike Telegram, plain http and any port are
// accepted, because the app under test listens on loopback.
func (s *Server) setWebhook(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	hookURL := p.str("url")
	secret := p.str("secret_token")
	if secret != "" && !secretTokenShape.MatchString(secret) {
		return nil, "", errBadSecretToken
	}
	if hookURL != "" {
		u, err := url.Parse(hookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, "", badRequest("bad webhook: invalid URL")
		}
	}
	allowed, hasAllowed, aerr := p.list("allowed_updates")
	if aerr != nil {
		return nil, "", aerr
	}
	maxConn, _ := p.int("max_connections")

	s.mu.Lock()
	defer s.mu.Unlock()
	if p.bool("drop_pending_updates") {
		b.queue = nil
	}
	if hasAllowed {
		b.allowed = allowed
	}
	if hookURL == "" {
		return true, s.removeWebhookLocked(b), nil
	}
	if maxConn <= 0 {
		maxConn = 40
	}
	maxConn = min(maxConn, 100)

	desc := "Webhook was set"
	if b.webhook.URL == hookURL && b.webhook.Secret == secret && b.webhook.MaxConnections == int(maxConn) {
		desc = "Webhook is already set"
	}
	if b.webhook.URL != hookURL {
		b.webhook.LastErrorDate, b.webhook.LastErrorMessage = 0, ""
	}
	b.webhook.URL, b.webhook.Secret, b.webhook.MaxConnections = hookURL, secret, int(maxConn)
	if b.poll != nil {
		b.poll.terminate(errTerminatedBySetHook)
	}
	if len(b.queue) > 0 {
		// Telegram starts delivering what is pending right away.
		s.goBackground(func() { s.deliverPending(b) })
	}
	return true, desc, nil
}

func (s *Server) deleteWebhook(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.bool("drop_pending_updates") {
		b.queue = nil
	}
	return true, s.removeWebhookLocked(b), nil
}

func (s *Server) removeWebhookLocked(b *botState) string {
	if b.webhook.URL == "" {
		return "Webhook is already deleted"
	}
	b.webhook = webhookState{}
	return "Webhook was deleted"
}

func (s *Server) getWebhookInfo(_ *http.Request, b *botState, _ params) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookInfoLocked(b), "", nil
}

func (s *Server) webhookInfoLocked(b *botState) telego.WebhookInfo {
	info := telego.WebhookInfo{
		URL:                b.webhook.URL,
		PendingUpdateCount: len(b.queue),
		LastErrorDate:      b.webhook.LastErrorDate,
		LastErrorMessage:   b.webhook.LastErrorMessage,
	}
	if b.webhook.URL != "" {
		info.MaxConnections = b.webhook.MaxConnections
		info.AllowedUpdates = b.allowed
	}
	return info
}
