// Command fakebotapi runs the fake Telegram Bot API (internal/telegram/telegramtest)
// as a standalone server, for the Playwright suite and manual testing.
//
//	go run ./cmd/fakebotapi -addr 127.0.0.1:0
//
// The first line on stdout is FAKE_BOT_API_URL=http://127.0.0.1:NNNN, so a
// parent process can start it on a free port and read where it listens. The
// control API is under /_fake/ (see the telegramtest package documentation).
// SIGINT or SIGTERM stops it cleanly.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fakebotapi:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	maxLongPoll := flag.Duration("max-long-poll", 50*time.Second, "cap on getUpdates timeout")
	webhookTimeout := flag.Duration("webhook-timeout", 10*time.Second, "timeout of one webhook delivery")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := telegramtest.NewServer(
		telegramtest.WithAddr(*addr),
		telegramtest.WithMaxLongPoll(*maxLongPoll),
		telegramtest.WithWebhookTimeout(*webhookTimeout),
	)
	if err != nil {
		return err
	}
	// stdout is unbuffered: the line is visible to the parent immediately.
	fmt.Printf("FAKE_BOT_API_URL=%s\n", srv.URL())
	fmt.Fprintf(os.Stderr, "fakebotapi: fake Bot API at %s, control API at %s/_fake/\n", srv.URL(), srv.URL())

	<-ctx.Done()
	srv.Close()
	return nil
}
