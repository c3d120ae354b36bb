// Package app assembles Botdeck from its configuration: database, keys,
// use cases, handlers, middleware and background workers. main, the demo
// command and the tests all build the server through it, so they exercise
// the same wiring.
package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/handlers"
	"github.com/botdeck/botdeck/handlers/openapi"
	"github.com/botdeck/botdeck/internal/botapi"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/database"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/internal/jobs"
	"github.com/botdeck/botdeck/internal/jsrt"
	"github.com/botdeck/botdeck/internal/mailer"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/internal/relay"
	"github.com/botdeck/botdeck/internal/safehttp"
	"github.com/botdeck/botdeck/internal/secrets"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/static"
)

// MaxBodyBytes caps request bodies unless a route sets its own limit.
const MaxBodyBytes = 1 << 20

// App is a wired Botdeck instance.
type App struct {
	Config        config.Config
	DB            *bun.DB
	Log           *slog.Logger
	Router        *web.Router
	Telegram      *telegram.Client
	Accounts      *core.Accounts
	Workspaces    *core.Workspaces
	Bots          *core.Bots
	Audience      *core.Audience
	Insights      *core.Insights
	Ingest        *ingest.Pipeline
	Broadcasts    *core.Broadcasts
	Broadcaster   *jobs.Broadcaster
	BroadcastFeed *core.BroadcastFeed
	UserFeed      *core.UserFeed
	Campaigns     *core.Campaigns
	Code          *core.Code
	Uploads       *core.Uploads
	Replies       *core.Replies
	Conversations *core.Conversations
	Greeter       *jobs.Greeter
	Outbox        *outbox.Outbox // everything bots say (replies, greetings, …) is queued and sent here
	WebhookWatch  *jobs.WebhookWatch
	Relays        *core.Relays      // where each bot's updates are relayed (the owner's own server)
	Relay         *relay.Worker     // delivers them
	BotAPI        *botapi.Forwarder // sends what bots' own code asks of the Bot API
	BotAPIProxy   *botapi.Proxy     // the Bot API for bots' own code, at /botapi/
	Events        *events.Bus       // live events: published by features, streamed by GET /api/events
	Notifications *core.Notifications
	Notifier      *jobs.Notifier // sends notifications on Telegram
	Instance      string         // names this process in database leases

	handler  http.Handler
	ready    atomic.Bool
	workers  []func(ctx context.Context)
	registry *prometheus.Registry
}

// Options adjust an App for tests and the demo.
type Options struct {
	Demo   bool           // show the demo banner
	Events events.Config  // tuning of the live events (tests shorten the keep-alive)
	Mail   mailer.Options // tests trust their SMTP server's certificate
}

// New opens the database and builds the server. It does not migrate; call
// Start (or Migrate) before serving real traffic.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	keys, created, err := secrets.LoadOrCreate(cfg.SecretKeyFile)
	if err != nil {
		db.Close()
		return nil, err
	}
	if created {
		log.Warn("created a new secret key file; back it up: without it stored bot tokens cannot be decrypted", "path", cfg.SecretKeyFile)
	}
	assets, err := static.New()
	if err != nil {
		db.Close()
		return nil, err
	}
	doc, err := openapi.Load()
	if err != nil {
		db.Close()
		return nil, err
	}

	if opts.Events.MaxStreams == 0 {
		opts.Events.MaxStreams = cfg.EventStreams
	}
	bus, err := events.New(ctx, db, cfg.DatabaseURL, log, opts.Events)
	if err != nil {
		db.Close()
		return nil, err
	}

	trusted, _ := cfg.TrustedProxyRanges() // checked by Validate
	a := &App{Config: cfg, DB: db, Log: log, Events: bus, registry: prometheus.NewRegistry()}
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	signupOpen := cfg.Signup == "open"
	var mail core.Mail
	if cfg.SMTPURL != "" {
		m, err := mailer.New(cfg.SMTPURL, opts.Mail)
		if err != nil {
			db.Close()
			return nil, err
		}
		mail = core.Mail{Sender: m, BaseURL: cfg.PublicURL}
	}
	sealer, err := secrets.NewSealer(keys)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Accounts = core.NewAccounts(db, core.AccountsConfig{SignupOpen: signupOpen, Mail: mail, Sealer: sealer, Log: log})
	tg, err := telegram.New(telegram.Options{BaseURL: cfg.TelegramAPIURL})
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Telegram = tg
	a.Bots = core.NewBots(db, tg, sealer, cfg.PublicURL, bus, log)
	a.Audience = core.NewAudience(db, a.Bots, tg, log)
	a.Insights = core.NewInsights(db, a.Bots, log)
	a.Ingest = ingest.New(db, log, a.registry, ingest.Config{})
	a.Instance = jobs.NewInstanceID()
	a.Outbox, err = outbox.New(ctx, db, cfg.DatabaseURL, tg, a.Bots, outbox.StoredFiles{DB: db}, nil, log, a.Instance, outbox.Config{})
	if err != nil {
		db.Close()
		return nil, err
	}
	poller := jobs.NewPoller(db, tg, a.Bots, a.Ingest, log, a.Instance, jobs.PollerConfig{})
	retention := jobs.NewRetention(db, log, cfg.UpdateRetention)
	retention.Messages = cfg.MessageRetention
	jsCfg := jsrt.DefaultConfig()
	jsCfg.Timeout = cfg.HandlerTimeout
	a.Code = core.NewCode(db, a.Bots, tg, jsrt.New(jsCfg), log)
	a.Campaigns = core.NewCampaigns(db, a.Bots, tg, log)
	a.Uploads = core.NewUploads(db)
	a.Replies = core.NewReplies(db, a.Bots, a.Uploads, tg, log)
	a.Ingest.AddHook(core.CampaignTracker{Events: bus, Outbox: a.Outbox})
	a.Outbox.Observe(outbox.OriginGreeting, core.GreetingOutcome())
	a.Ingest.AddBatchHook(core.MessageRecorder{Events: bus})
	a.UserFeed = core.NewUserFeed(db, bus, log) // the users page's live refresh
	a.Ingest.AddBatchHook(a.UserFeed)
	a.Ingest.AddBatchHook(&core.Answerer{Outbox: a.Outbox, Cache: core.NewRepliesCache(),
		Code: &core.CodeForUpdates{Code: a.Code, Outbox: a.Outbox, DB: db, Log: log}})
	a.Conversations = core.NewConversations(db, a.Bots, tg, bus, a.Outbox, log)
	for origin := range core.OutboxOrigins {
		a.Outbox.Observe(origin, core.OutboxRecorder(bus))
	}
	greeter := jobs.NewGreeter(db, tg, a.Bots, log, a.Instance)
	a.BroadcastFeed = core.NewBroadcastFeed(db, bus, log)
	a.Broadcasts = core.NewBroadcasts(db, a.Bots, a.BroadcastFeed, tg, log, cfg.BroadcastRate)
	a.Broadcaster = jobs.NewBroadcaster(db, tg, a.Bots, a.BroadcastFeed, log, a.Instance, cfg.BroadcastRate).WithGates(a.Outbox.Gates())
	a.WebhookWatch = jobs.NewWebhookWatch(db, a.Bots, log, cfg.WebhookCheck)
	relayClient := safehttp.New(safehttp.Options{AllowPrivate: cfg.RelayAllowPrivate})
	a.Relays = core.NewRelays(db, a.Bots, relayClient)
	a.BotAPI = botapi.NewForwarder(tg.BaseURL(), nil)
	a.Relay = relay.New(db, a.Bots, a.Relays, a.BotAPI, relayClient, log, a.Instance, relay.Config{})
	a.Relay.Replies = core.RelayReplyQueue(db, a.Outbox) // webhook replies share the bot's outbox
	a.Ingest.AddHook(a.Relay)                            // only wakes the relay worker
	// What the bot's own server sends through the proxy shares the bot's
	// rate limit (as a person waiting) and shows in its conversations.
	a.BotAPIProxy = botapi.NewProxy(db, a.Bots, a.Relays, a.BotAPI, log, botapi.Config{}).WithSends(botapi.Sends{
		Pace: func(ctx context.Context, botID string) error {
			return a.Outbox.Gates().Of(botID).Wait(ctx, outbox.PriorityPerson)
		},
		Record: core.ProxiedSendRecorder(db, bus, log),
	})
	a.Ingest.AddHook(a.BotAPIProxy) // only wakes long polls

	sessions := web.NewSessionStore(db, keys.CookieHash, keys.CookieBlock, cfg.SessionIdle, cfg.SessionAbsolute, cfg.SecureCookies())
	respond := &web.Responder{Log: log, Sessions: sessions, Assets: assets, Demo: opts.Demo, SignupOpen: signupOpen}
	respond.Unread = a.Conversations.UnreadTotal
	a.Notifications = core.NewNotifications(db, bus)
	respond.Notifications = a.Notifications.Unread
	a.Workspaces = core.NewWorkspaces(db, mail, log)
	respond.Workspaces = a.Workspaces.List
	validator := web.NewValidator()
	deps := handlers.Deps{
		Respond:       respond,
		Bind:          web.NewBinder(validator),
		Sessions:      sessions,
		PublicURL:     cfg.PublicURL,
		Accounts:      a.Accounts,
		Bots:          a.Bots,
		Audience:      a.Audience,
		Insights:      a.Insights,
		Ingest:        a.Ingest,
		Broadcasts:    a.Broadcasts,
		Campaigns:     a.Campaigns,
		Code:          a.Code,
		Conversations: a.Conversations,
		Uploads:       a.Uploads,
		Replies:       a.Replies,
		Relays:        a.Relays,
		Notifications: a.Notifications,
		Workspaces:    a.Workspaces,
		BotAPI:        a.BotAPIProxy,
		Events:        bus,
		Ready:         &a.ready,
		Ping:          db.PingContext,
		AnyUser:       func(ctx context.Context) (bool, error) { return models.AnyUserExists(ctx, db) },
		Metrics:       a.publicMetrics(cfg),
		MailEnabled:   mail.Enabled(),
		OpenAPI:       doc,
		Assets:        assets,
	}
	a.Router = handlers.Routes(deps)
	a.Router.SetAudit(a.Workspaces.AuditEntry)

	authn := &web.Authenticator{Sessions: sessions, Keys: a.Accounts, Respond: respond, Members: a.Workspaces,
		LoadUser: func(ctx context.Context, id string) (*models.User, error) { return models.UserByID(ctx, db, id) }}
	requestInfo := web.RequestInfo(web.Proxies{Trust: cfg.TrustProxyHeaders, Trusted: trusted})
	metrics := web.NewMetrics(a.registry)
	// Bots' custom webhooks take a lean chain of their own (customChain).
	custom := web.Chain(customRoutes(a.Router),
		requestInfo,
		web.AccessLog(log, metrics),
		web.RecoverWith(log, handlers.CustomFailed),
		web.PublicJSONHeaders(cfg.SecureCookies(), core.WebhookCSP, core.WebhookCORP),
		web.LimitBody(MaxBodyBytes),
		a.untilReady,
	)
	a.handler = web.Chain(a.Router,
		customChain(custom),
		requestInfo,
		web.AccessLog(log, metrics),
		web.Recover(log, respond),
		web.Compress(),
		web.SecurityHeaders(cfg.SecureCookies()),
		web.CrossOrigin(respond),
		web.LimitBody(MaxBodyBytes,
			web.BodyLimit{Max: core.MaxUserImportSize + web.UploadOverhead, Match: isUserImportRequest},
			web.BodyLimit{Max: models.MaxUploadSize + web.UploadOverhead, Match: isUploadRequest},
			web.BodyLimit{Max: botapi.MaxUpload, Match: isBotAPIRequest}),
		a.untilReady,
		authn.Middleware,
		web.NewRateLimiter(cfg.APIRateLimit, respond).Middleware,
	)

	a.Greeter = greeter
	a.Notifier = jobs.NewNotifier(db, a.Outbox, log, a.Instance, jobs.NotifierConfig{PublicURL: cfg.PublicURL})
	a.workers = append(a.workers, a.Ingest.Run, poller.Run, retention.Run, a.Broadcaster.Run, greeter.Run, a.WebhookWatch.Run,
		a.Outbox.Run, a.Relay.Run, a.Notifier.Run, jobs.NewScheduler(a.Broadcasts, log).Run,
		jobs.NewUploadCleanup(db, log, a.Instance).Run)
	return a, nil
}

// isUploadRequest selects the requests that may carry a file: POST
// /api/uploads, the reply editor's forms, the conversation composer and a bot's import (its export
// document inlines the replies' files).
func isUploadRequest(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	if r.URL.Path == "/api/uploads" || strings.HasSuffix(r.URL.Path, "/import") {
		return true // an upload, or a bot's export document with its files
	}
	// The editor's create and save: /bots/{id}/replies and /bots/{id}/replies/{replyId};
	// the broadcast composer's review step (its file).
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	// The conversation composer with a photo: /bots/{id}/users/{userId}/messages.
	if len(parts) == 5 && parts[0] == "bots" && parts[2] == "users" && parts[4] == "messages" {
		return true
	}
	if len(parts) == 4 && parts[0] == "bots" && parts[2] == "broadcasts" && parts[3] == "review" {
		return true
	}
	if len(parts) < 3 || len(parts) > 4 || parts[0] != "bots" || parts[2] != "replies" {
		return false
	}
	return len(parts) == 3 || parts[3] != "order" && parts[3] != "try" && parts[3] != "preview"
}

// isUserImportRequest selects the CSV imports of a bot's users (the API's
// and the dashboard's upload), which may be up to core.MaxUserImportSize.
func isUserImportRequest(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) > 0 && parts[0] == "api" {
		parts = parts[1:]
		return len(parts) == 4 && parts[0] == "bots" && parts[2] == "users" && parts[3] == "import"
	}
	return len(parts) == 3 && parts[0] == "bots" && parts[2] == "user-imports"
}

// publicMetrics is /metrics on the public address: only to the bearer of
// cfg.MetricsToken, and nothing when there is no token or the metrics have
// their own address (MetricsServer). Metrics name routes, instances and load,
// which are nobody else's business.
func (a *App) publicMetrics(cfg config.Config) http.Handler {
	if cfg.MetricsToken == "" || cfg.MetricsAddr != "" {
		return nil
	}
	want := []byte("Bearer " + cfg.MetricsToken)
	h := promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the bearer token (BOTDECK_METRICS_TOKEN)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// MetricsServer serves /metrics alone, for cfg.MetricsAddr (nil when it is
// not set). Serve runs it next to the public server.
func (a *App) MetricsServer() *http.Server {
	if a.Config.MetricsAddr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{}))
	return &http.Server{Addr: a.Config.MetricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
}

// Handler is the complete HTTP handler with all middleware.
func (a *App) Handler() http.Handler { return a.handler }

// Migrate applies pending migrations under the cross-instance lock and
// marks the app ready.
func (a *App) Migrate(ctx context.Context) error {
	applied, err := database.Migrate(ctx, a.DB)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) > 0 {
		a.Log.Info("applied migrations", "count", len(applied), "last", applied[len(applied)-1])
	}
	a.ready.Store(true)
	return nil
}

// untilReady answers 503 for everything but the probes while migrations
// run, so no request meets a half-migrated schema.
func (a *App) untilReady(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.ready.Load() || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", "2")
		http.Error(w, "Botdeck is starting; try again in a moment.", http.StatusServiceUnavailable)
	})
}

// Serve listens on cfg.Addr (or the given listener), applies migrations,
// runs the background workers, and shuts everything down gracefully when
// ctx ends.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.Config.Addr); err != nil {
			return err
		}
	}
	srv := a.HTTPServer(ctx)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	a.Log.Info("listening", "addr", "http://"+ln.Addr().String())
	if msrv := a.MetricsServer(); msrv != nil {
		mln, err := net.Listen("tcp", msrv.Addr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("metrics address: %w", err)
		}
		go msrv.Serve(mln)
		defer msrv.Close()
		a.Log.Info("metrics", "addr", "http://"+mln.Addr().String()+"/metrics")
	}

	if err := a.Migrate(ctx); err != nil {
		srv.Close()
		return err
	}

	stopWork := a.StartWorkers(ctx)

	var err error
	select {
	case err = <-serveErr:
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Config.ShutdownTimeout)
	defer cancel()
	if serr := srv.Shutdown(shutdownCtx); serr != nil {
		srv.Close()
	}
	stopWork(shutdownCtx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// HTTPServer is the server Serve runs. Event streams end as soon as its
// Shutdown begins (they never go idle, so Shutdown would otherwise wait
// for them until its deadline).
func (a *App) HTTPServer(ctx context.Context) *http.Server {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      5 * time.Minute, // CSV exports of a million rows stream for a while
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	srv.RegisterOnShutdown(a.Events.Close)
	return srv
}

// StartWorkers runs the background workers (update processing, polling,
// retention…) until the returned stop is called; stop waits for them, at
// most until its context ends.
func (a *App) StartWorkers(ctx context.Context) (stop func(context.Context)) {
	workCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, work := range a.workers {
		wg.Go(func() { work(workCtx) })
	}
	return func(waitCtx context.Context) {
		cancel()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-waitCtx.Done():
			a.Log.Warn("workers did not stop in time")
		}
	}
}

// Close ends event streams, stops storing updates and releases the
// database.
func (a *App) Close() error {
	a.Events.Close()
	a.BroadcastFeed.Close()
	a.UserFeed.Close()
	a.Relays.Close()
	a.Ingest.Close()
	return a.DB.Close()
}

// isBotAPIRequest selects what the Bot API proxy forwards to Telegram: file
// uploads may be as large as Telegram takes.
func isBotAPIRequest(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, botapi.Prefix) }
