// Package demo runs `botdeck demo`: the real server wired to a sandbox Bot
// API (the project's fake, in-process on a loopback port), a fresh SQLite
// file, a demo account, three bots, and a simulator that keeps producing
// realistic traffic through the same webhook path Telegram uses. Nothing
// reaches the real Telegram.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/botdeck/botdeck/internal/app"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// Options configure the demo.
type Options struct {
	Addr     string // listen address (default localhost:8080)
	Database string // SQLite file to use; empty: a fresh file in a temporary directory
	Keep     bool   // keep the database (and key) instead of deleting them at exit
	Out      io.Writer
	Log      *slog.Logger
	Seed     uint64 // random seed (0: random), for repeatable screenshots
}

// Credentials of the demo account.
const DemoEmail = "demo@botdeck.local"

// HistoryReady is printed once the month of history is in and the live
// simulator runs.
const HistoryReady = "History ready: the three demo bots now receive simulated traffic through their webhooks."

// Run starts the demo and blocks until ctx ends; it then stops everything
// within a few seconds and removes what it created unless Keep is set.
func Run(ctx context.Context, o Options) error {
	if o.Addr == "" {
		o.Addr = "localhost:8080"
	}
	if o.Seed == 0 {
		o.Seed = rand.Uint64()
	}
	dir, err := os.MkdirTemp("", "botdeck-demo-")
	if err != nil {
		return err
	}
	dbPath := o.Database
	if dbPath == "" {
		dbPath = filepath.Join(dir, "demo.db")
	} else if _, err := os.Stat(dbPath); err == nil {
		return fmt.Errorf("%s exists: the demo starts from a fresh database; pick another path or delete it", dbPath)
	}
	defer func() {
		if !o.Keep {
			os.RemoveAll(dir)
			if o.Database != "" {
				removeSQLite(dbPath)
			}
		}
	}()

	fake, err := telegramtest.NewServer(telegramtest.WithWebhookTimeout(5 * time.Second))
	if err != nil {
		return err
	}
	defer fake.Close()

	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (use --addr to pick another)", o.Addr, err)
	}
	cfg := config.Defaults()
	cfg.Addr = o.Addr
	cfg.DatabaseURL = "sqlite:" + dbPath
	cfg.SecretKeyFile = filepath.Join(filepath.Dir(dbPath), "demo.key")
	if o.Database == "" {
		cfg.SecretKeyFile = filepath.Join(dir, "demo.key")
	}
	cfg.TelegramAPIURL = fake.URL()
	cfg.PublicURL = "http://" + ln.Addr().String() // the fake delivers webhooks here
	cfg.ShutdownTimeout = 3 * time.Second
	cfg.APIRateLimit = 0
	cfg.BroadcastRate = demoBroadcastRate
	log := o.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a, err := app.New(ctx, cfg, log, app.Options{Demo: true})
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()

	// Migrate before serving so the server is ready the moment it listens.
	if err := a.Migrate(ctx); err != nil {
		ln.Close()
		return err
	}
	serveCtx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	served := make(chan error, 1)
	go func() { served <- a.Serve(serveCtx, ln) }()
	if err := waitReady(ctx, "http://"+ln.Addr().String()+"/readyz"); err != nil {
		return err
	}

	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	w := &world{app: a, baseURL: "http://" + ln.Addr().String(), fake: fake, rng: rng, people: &people{rng: rng, fake: fake}}
	password := models.RandomString(8)
	if err := w.setup(ctx, DemoEmail, password); err != nil {
		stopServe()
		<-served
		return fmt.Errorf("set up the demo: %w", err)
	}
	where := "deleted when the demo stops; --keep keeps it"
	if o.Keep {
		where = "kept after the demo stops"
	}
	fmt.Fprintf(o.Out, `
Botdeck demo — sandbox Telegram, nothing is sent.

  Open      http://%s
  Email     %s
  Password  %s
  Database  %s — %s

Press Ctrl-C to stop.

Filling in a month of history for three demo bots (pages fill up as it goes)…
`, ln.Addr().String(), DemoEmail, password, dbPath, where)

	// History is filled in while the server already answers; the live
	// simulator starts when it is complete.
	var historyErr error
	simDone := make(chan struct{})
	go func() {
		defer close(simDone)
		if err := w.history(serveCtx, o.Out); err != nil {
			if serveCtx.Err() == nil {
				historyErr = fmt.Errorf("fill in the demo's history: %w", err)
				stopServe()
			}
			return
		}
		fmt.Fprintln(o.Out, HistoryReady)
		w.simulate(serveCtx)
	}()
	err = <-served
	stopServe()
	<-simDone
	if historyErr != nil {
		return historyErr
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// waitReady polls the readiness probe until the server answers.
func waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("the demo server did not become ready")
}

func removeSQLite(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
}
