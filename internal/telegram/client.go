package telegram

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mymmrac/telego"
)

// DefaultBaseURL is the public Bot API server.
const DefaultBaseURL = "https://api.telegram.org"

const (
	defaultTimeout  = 20 * time.Second
	defaultBotCache = 4096
)

// Options configure a Client. The zero value talks to api.telegram.org.
type Options struct {
	// BaseURL of the Bot API server: a self-hosted telegram-bot-api, or a
	// telegramtest server. Default DefaultBaseURL.
	BaseURL string
	// Timeout bounds every call (default 20s). getUpdates gets its long-poll
	// timeout on top, so a poll is never cut short by this bound.
	Timeout time.Duration
	// HTTPClient to send requests with. Its Timeout is not used as such (the
	// client is copied with Timeout 0) because one client-wide bound cannot
	// fit both a quick sendMessage and a 50-second long poll; it only stands
	// in for Options.Timeout when that is zero.
	// Default: a client whose transport keeps up to 100 idle connections to
	// the API host (net/http's default of 2 would serialize a busy deployment).
	HTTPClient *http.Client
	// BotCacheSize bounds how many per-token telego.Bot values are kept.
	// Default 4096.
	BotCacheSize int
}

// Client calls the Bot API for any number of bots: every method takes the
// bot's token explicitly. It is safe for concurrent use.
//
// Tokens never appear in returned errors: the request URL is stripped from
// transport errors and every description is scrubbed.
type Client struct {
	baseURL string
	timeout time.Duration
	http    *http.Client
	caller  httpCaller
	bots    *botCache
}

// New returns a Client for opts.
func New(opts Options) (*Client, error) {
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("telegram: base URL %q must be an absolute http(s) URL", opts.BaseURL)
	}

	hc := defaultHTTPClient()
	if opts.HTTPClient != nil {
		cp := *opts.HTTPClient
		hc = &cp
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = hc.Timeout
	}
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	hc.Timeout = 0

	cacheSize := opts.BotCacheSize
	if cacheSize <= 0 {
		cacheSize = defaultBotCache
	}
	return &Client{
		baseURL: base,
		timeout: timeout,
		http:    hc,
		caller:  httpCaller{client: hc},
		bots:    newBotCache(cacheSize),
	}, nil
}

func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 200
	tr.MaxIdleConnsPerHost = 100
	return &http.Client{Transport: tr}
}

// BaseURL returns the Bot API server this client talks to.
func (c *Client) BaseURL() string { return c.baseURL }

// Forget drops any state kept for token (the cached telego.Bot). Call it when
// a bot is deleted so its credential is not held longer than needed.
func (c *Client) Forget(token string) { c.bots.forget(token) }

// bot returns the telego.Bot for token. telego is configured with this
// client's transport and a discard logger, so it neither logs nor leaks the
// token on its own.
func (c *Client) bot(method, token string) (*telego.Bot, error) {
	if !ValidTokenFormat(token) {
		return nil, errBadTokenFormat(method)
	}
	return c.bots.get(token, func() (*telego.Bot, error) {
		b, err := telego.NewBot(token,
			telego.WithAPIServer(c.baseURL),
			telego.WithAPICaller(c.caller),
			telego.WithDiscardLogger(),
		)
		if err != nil {
			return nil, mapError(method, token, err)
		}
		return b, nil
	})
}

// withTimeout bounds one call by the client timeout plus extra (the long-poll
// wait for getUpdates); a shorter deadline already on ctx still wins.
func (c *Client) withTimeout(ctx context.Context, extra time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout+extra)
}

// methodURL is where method is called for token. The result holds the token:
// it must never leave this package.
func (c *Client) methodURL(token, method string) string {
	return c.baseURL + "/bot" + token + "/" + method
}
