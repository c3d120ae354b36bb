package handlers

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/botdeck/botdeck/handlers/openapi"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/internal/web"
)

// Deps is what the handlers need, built once in the app.
type Deps struct {
	Respond   *web.Responder
	Bind      *web.Binder
	Sessions  *web.SessionStore
	PublicURL string // for examples shown to users; may be empty

	Accounts      *core.Accounts
	Bots          *core.Bots
	Audience      *core.Audience
	Insights      *core.Insights
	Ingest        *ingest.Pipeline
	Broadcasts    *core.Broadcasts
	Campaigns     *core.Campaigns
	Code          *core.Code
	Conversations *core.Conversations
	Uploads       *core.Uploads
	Replies       *core.Replies
	Relays        *core.Relays
	Notifications *core.Notifications
	Workspaces    *core.Workspaces
	BotAPI        http.Handler // the Bot API proxy (internal/botapi), mounted at /botapi/
	Events        *events.Bus  // live events for GET /api/events

	// Operations.
	Ready       *atomic.Bool
	Ping        func(ctx context.Context) error
	AnyUser     func(ctx context.Context) (bool, error)
	MailEnabled bool         // password-reset links are mailed (BOTDECK_SMTP_URL)
	Metrics     http.Handler // nil when /metrics is not served on the public address
	OpenAPI     *openapi.Document
	Assets      http.Handler
}
