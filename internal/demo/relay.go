package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/botdeck/botdeck/models"
)

// relayBot is the demo bot whose "own server" receives its updates through
// the relay, so the Relay tab has deliveries to show.
const relayBot = "skycast_demo_bot"

// ownServer stands in for a bot owner's own webhook server: it answers a
// /start with a webhook reply (a sendMessage Botdeck executes) and, now and
// then, 503, so the delivery log shows a retry.
type ownServer struct {
	srv *http.Server
	url string
	n   atomic.Int64
}

func startOwnServer() (*ownServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	o := &ownServer{url: "http://" + ln.Addr().String() + "/telegram/webhook"}
	o.srv = &http.Server{Handler: http.HandlerFunc(o.serve), ReadHeaderTimeout: 5 * time.Second}
	go o.srv.Serve(ln)
	return o, nil
}

func (o *ownServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if o.n.Add(1)%40 == 0 {
		http.Error(w, "busy, try again", http.StatusServiceUnavailable)
		return
	}
	var u struct {
		Message *struct {
			Text string `json:"text"`
			Chat struct {
				ID int64 `json:"id"`
			} `json:"chat"`
		} `json:"message"`
	}
	if json.Unmarshal(body, &u) == nil && u.Message != nil && u.Message.Text == "/start" {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"method":"sendMessage","chat_id":%d,"text":"Today: sunny, 21°C. (Sent by the bot's own server through Botdeck's relay.)"}`,
			u.Message.Chat.ID)
	}
}

func (o *ownServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	o.srv.Shutdown(ctx)
}

// setupRelay points the weather bot's relay at the demo's own server.
func (w *world) setupRelay(ctx context.Context) error {
	for _, db := range w.bots {
		if db.fake.User().Username != relayBot {
			continue
		}
		b, err := models.BotByID(ctx, w.app.DB, db.id)
		if err != nil {
			return err
		}
		return w.app.Relays.SetTarget(ctx, b, w.own.url, true, "", false)
	}
	return nil
}
