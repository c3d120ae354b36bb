// Package config reads Botdeck's settings from flags and BOTDECK_* environment
// variables. Every setting has a default that lets `go run ./cmd/botdeck` work
// with nothing configured; a flag overrides its environment variable.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/botdeck/botdeck/internal/mailer"
)

// Config is the whole runtime configuration. It is built once in main and
// passed down by value; nothing reads the environment after start-up.
type Config struct {
	Addr           string
	DatabaseURL    string
	PublicURL      string
	TelegramAPIURL string
	SecretKeyFile  string
	Signup         string // "open" or "closed"
	APIRateLimit   int    // requests per minute per key/session/IP; 0 disables

	// Less common settings, with flags and variables of their own.
	LogLevel          string
	LogFormat         string // "text" or "json"
	SessionIdle       time.Duration
	SessionAbsolute   time.Duration
	ShutdownTimeout   time.Duration
	UpdateRetention   time.Duration
	MessageRetention  time.Duration // how long message bodies are kept; 0 keeps them forever
	HandlerTimeout    time.Duration
	BroadcastRate     float64
	WebhookCheck      time.Duration
	TrustProxyHeaders bool
	RelayAllowPrivate bool
	TrustedProxies    string // comma-separated CIDR ranges of the operator's proxies
	EventStreams      int    // concurrent GET /api/events streams per account on one instance
	MetricsAddr       string // serve /metrics on this address only
	SMTPURL           string // smtp://user:pass@host:587 for password-reset mail
	MetricsToken      string // or on the public address to this bearer token
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Addr:            "localhost:8080",
		DatabaseURL:     "sqlite:botdeck.db",
		TelegramAPIURL:  "https://api.telegram.org",
		SecretKeyFile:   "botdeck.key",
		Signup:          "open",
		APIRateLimit:    600,
		LogLevel:        "info",
		LogFormat:       "text",
		SessionIdle:     7 * 24 * time.Hour,
		SessionAbsolute: 30 * 24 * time.Hour,
		ShutdownTimeout: 10 * time.Second,
		UpdateRetention: 30 * 24 * time.Hour,
		HandlerTimeout:  2 * time.Second,
		BroadcastRate:   25,
		WebhookCheck:    5 * time.Minute,
		EventStreams:    20,
		TrustedProxies:  "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
	}
}

// Setting describes one configuration entry; the README table and the flag
// set are both generated from this list so they cannot drift apart.
type Setting struct {
	Flag, Env, Help string
	bind            func(fs *flag.FlagSet, c *Config, name, usage string)
}

// Settings lists every setting in the order the README shows them.
func Settings() []Setting {
	str := func(field func(*Config) *string) func(*flag.FlagSet, *Config, string, string) {
		return func(fs *flag.FlagSet, c *Config, name, usage string) { fs.StringVar(field(c), name, *field(c), usage) }
	}
	dur := func(field func(*Config) *time.Duration) func(*flag.FlagSet, *Config, string, string) {
		return func(fs *flag.FlagSet, c *Config, name, usage string) {
			fs.DurationVar(field(c), name, *field(c), usage)
		}
	}
	return []Setting{
		{"addr", "BOTDECK_ADDR", "listen address", str(func(c *Config) *string { return &c.Addr })},
		{"database-url", "BOTDECK_DATABASE_URL", "sqlite:PATH or postgres://…", str(func(c *Config) *string { return &c.DatabaseURL })},
		{"public-url", "BOTDECK_PUBLIC_URL", "external base URL; when set, bots get webhooks at PUBLIC_URL/tg/{botId}, otherwise long polling", str(func(c *Config) *string { return &c.PublicURL })},
		{"telegram-api-url", "BOTDECK_TELEGRAM_API_URL", "Bot API base URL", str(func(c *Config) *string { return &c.TelegramAPIURL })},
		{"secret-key-file", "BOTDECK_SECRET_KEY_FILE", "file with 32+ random bytes for token encryption and cookie keys; created (mode 0600) when missing", str(func(c *Config) *string { return &c.SecretKeyFile })},
		{"signup", "BOTDECK_SIGNUP", "open or closed (then only `botdeck user create`)", str(func(c *Config) *string { return &c.Signup })},
		{"api-rate-limit", "BOTDECK_API_RATE_LIMIT", "/api requests per minute per API key or session (per IP when anonymous); 0 turns it off",
			func(fs *flag.FlagSet, c *Config, name, usage string) {
				fs.IntVar(&c.APIRateLimit, name, c.APIRateLimit, usage)
			}},
		{"log-level", "BOTDECK_LOG_LEVEL", "debug, info, warn or error", str(func(c *Config) *string { return &c.LogLevel })},
		{"log-format", "BOTDECK_LOG_FORMAT", "text or json", str(func(c *Config) *string { return &c.LogFormat })},
		{"session-idle", "BOTDECK_SESSION_IDLE", "a session ends after this long without a request", dur(func(c *Config) *time.Duration { return &c.SessionIdle })},
		{"session-absolute", "BOTDECK_SESSION_ABSOLUTE", "a session ends this long after sign-in, whatever happens", dur(func(c *Config) *time.Duration { return &c.SessionAbsolute })},
		{"shutdown-timeout", "BOTDECK_SHUTDOWN_TIMEOUT", "how long a shutdown waits for requests and workers", dur(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
		{"message-retention", "BOTDECK_MESSAGE_RETENTION", "how long the bodies of conversation messages (text, media, buttons) are kept; 0 keeps them (the messages stay, blanked, for counts and timelines)", dur(func(c *Config) *time.Duration { return &c.MessageRetention })},
		{"update-retention", "BOTDECK_UPDATE_RETENTION", "how long raw Telegram updates are kept (counts and daily series are kept forever)", dur(func(c *Config) *time.Duration { return &c.UpdateRetention })},
		{"handler-timeout", "BOTDECK_HANDLER_TIMEOUT", "deadline of one run of a bot's JavaScript handler", dur(func(c *Config) *time.Duration { return &c.HandlerTimeout })},
		{"broadcast-rate", "BOTDECK_BROADCAST_RATE", "broadcast messages per second per bot (at most 30)",
			func(fs *flag.FlagSet, c *Config, name, usage string) {
				fs.Float64Var(&c.BroadcastRate, name, c.BroadcastRate, usage)
			}},
		{"webhook-check", "BOTDECK_WEBHOOK_CHECK", "how often each webhook bot's delivery is checked with getWebhookInfo (failing delivery shows the bot as warning)", dur(func(c *Config) *time.Duration { return &c.WebhookCheck })},
		{"trust-proxy-headers", "BOTDECK_TRUST_PROXY_HEADERS", "take the client IP from X-Forwarded-For (only behind a proxy you run; see trusted-proxies)",
			func(fs *flag.FlagSet, c *Config, name, usage string) {
				fs.BoolVar(&c.TrustProxyHeaders, name, c.TrustProxyHeaders, usage)
			}},
		{"relay-allow-private", "BOTDECK_RELAY_ALLOW_PRIVATE", "allow relay URLs on private, loopback and link-local addresses (tests, the demo, a bot server on your LAN)",
			func(fs *flag.FlagSet, c *Config, name, usage string) {
				fs.BoolVar(&c.RelayAllowPrivate, name, c.RelayAllowPrivate, usage)
			}},
		{"trusted-proxies", "BOTDECK_TRUSTED_PROXIES", "comma-separated address ranges (CIDR) of your own reverse proxies; with trust-proxy-headers the client is the right-most X-Forwarded-For address outside them, and the header is ignored unless the connection comes from one of them",
			str(func(c *Config) *string { return &c.TrustedProxies })},
		{"smtp-url", "BOTDECK_SMTP_URL", "smtp://user:pass@host:587 (STARTTLS required; smtps:// for port 465; ?from=ADDRESS sets the sender) to mail password-reset links; needs public-url. Without it the sign-in page tells people to ask the operator, who runs `botdeck user reset-password`",
			str(func(c *Config) *string { return &c.SMTPURL })},
		{"metrics-addr", "BOTDECK_METRICS_ADDR", "serve /metrics (open) on this separate address, e.g. 127.0.0.1:9090, instead of the public one",
			str(func(c *Config) *string { return &c.MetricsAddr })},
		{"metrics-token", "BOTDECK_METRICS_TOKEN", "serve /metrics on the public address to requests with `Authorization: Bearer <token>`; with neither this nor metrics-addr there is no /metrics",
			str(func(c *Config) *string { return &c.MetricsToken })},
		{"event-streams", "BOTDECK_EVENT_STREAMS", "live event streams (open pages, GET /api/events) one account may hold open at once on one instance",
			func(fs *flag.FlagSet, c *Config, name, usage string) {
				fs.IntVar(&c.EventStreams, name, c.EventStreams, usage)
			}},
	}
}

// Default returns the default value of a setting as text, for documentation.
func (s Setting) Default() string {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	c := Defaults()
	s.bind(fs, &c, s.Flag, s.Help)
	return fs.Lookup(s.Flag).DefValue
}

// Bind registers every setting on fs, seeded from the environment, and
// returns the config the flags write into. Call Validate after fs.Parse.
func Bind(fs *flag.FlagSet, getenv func(string) string) (*Config, error) {
	c := Defaults()
	for _, s := range Settings() {
		s.bind(fs, &c, s.Flag, s.Help+" (env "+s.Env+")")
		if v := getenv(s.Env); v != "" {
			if err := fs.Set(s.Flag, v); err != nil {
				return nil, fmt.Errorf("%s=%q: %w", s.Env, v, err)
			}
		}
	}
	return &c, nil
}

// Validate checks values that flag parsing cannot.
func (c *Config) Validate() error {
	var errs []error
	if c.Signup != "open" && c.Signup != "closed" {
		errs = append(errs, fmt.Errorf("signup must be open or closed, not %q", c.Signup))
	}
	if c.APIRateLimit < 0 {
		errs = append(errs, errors.New("api-rate-limit must be 0 or more"))
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("public-url must be an absolute http(s) URL, not %q", c.PublicURL))
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	if u, err := url.Parse(c.TelegramAPIURL); err != nil || u.Host == "" {
		errs = append(errs, fmt.Errorf("telegram-api-url must be an absolute URL, not %q", c.TelegramAPIURL))
	}
	c.TelegramAPIURL = strings.TrimRight(c.TelegramAPIURL, "/")
	if c.BroadcastRate <= 0 || c.BroadcastRate > 30 {
		errs = append(errs, errors.New("broadcast-rate must be above 0 and at most 30 messages per second"))
	}
	if c.SessionIdle <= 0 || c.SessionAbsolute <= 0 || c.SessionIdle > c.SessionAbsolute {
		errs = append(errs, errors.New("session-idle and session-absolute must be positive, idle no longer than absolute"))
	}
	if c.HandlerTimeout <= 0 || c.HandlerTimeout > time.Minute {
		errs = append(errs, errors.New("handler-timeout must be between 0 and 1m"))
	}
	if c.WebhookCheck < time.Second {
		errs = append(errs, errors.New("webhook-check must be at least 1s"))
	}
	if c.EventStreams < 1 {
		errs = append(errs, errors.New("event-streams must be at least 1"))
	}
	if c.MessageRetention != 0 && c.MessageRetention < time.Hour {
		errs = append(errs, errors.New("message-retention must be 0 (keep) or at least 1h"))
	}
	if c.UpdateRetention < time.Hour {
		errs = append(errs, errors.New("update-retention must be at least 1h"))
	}
	if c.SMTPURL != "" {
		if err := mailer.Parse(c.SMTPURL); err != nil {
			errs = append(errs, err)
		}
		if c.PublicURL == "" {
			errs = append(errs, errors.New("smtp-url needs public-url: links in mail must point at this server, never at the Host header of whoever asked"))
		}
	}
	if _, err := c.TrustedProxyRanges(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// TrustedProxyRanges parses TrustedProxies.
func (c *Config) TrustedProxyRanges() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(c.TrustedProxies, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("trusted-proxies: %q is not an address range like 10.0.0.0/8", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// SecureCookies reports whether cookies must carry the Secure attribute:
// whenever Botdeck is reached over HTTPS.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.PublicURL, "https://") }
