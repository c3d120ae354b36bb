package botapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/botapi"
	"github.com/botdeck/botdeck/internal/web"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTokenNeverLogged: the access log names the route pattern, and a
// failure to reach Telegram is logged without the URL (which holds the
// token).
func TestTokenNeverLogged(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot := env.ConnectBot(t, env.SignUp(t, "mask@example.com"), "masked_bot")
		var buf syncBuffer
		log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		dead := botapi.NewForwarder("http://127.0.0.1:1", nil) // nothing listens: every forward fails
		proxy := botapi.NewProxy(env.App.DB, env.App.Bots, env.App.Relays, dead, log, botapi.Config{})
		rt := web.NewRouter(func(h http.Handler) http.Handler { return h }, nil)
		rt.Public(botapi.Prefix, proxy)
		srv := httptest.NewServer(web.Chain(rt, web.RequestInfo(web.Proxies{}), web.AccessLog(log, nil)))
		defer srv.Close()

		for _, path := range []string{"/botapi/bot" + bot.Fake.Token + "/sendMessage", "/botapi/bot" + bot.Fake.Token + "/getUpdates",
			"/botapi/file/bot" + bot.Fake.Token + "/photos/x.jpg", "/botapi/bot" + bot.Fake.Token + "x/getMe"} {
			resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(`{"chat_id":1,"text":"hi"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		out := buf.String()
		_, secret, _ := strings.Cut(bot.Fake.Token, ":")
		if !strings.Contains(out, "route=/botapi/") || !strings.Contains(out, "forward") {
			t.Fatalf("expected access lines and a forward failure in the log:\n%s", out)
		}
		if strings.Contains(out, secret) {
			t.Fatalf("the token reached the log:\n%s", out)
		}
	})
}
