package main

import (
	"context"
	"flag"
	"io"

	"github.com/botdeck/botdeck/internal/demo"
)

// demoCmd runs `botdeck demo`: everything working offline against a
// sandbox Telegram.
func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("botdeck demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o demo.Options
	var logLevel string
	fs.StringVar(&o.Addr, "addr", "localhost:8080", "listen address")
	fs.StringVar(&o.Database, "db", "", "SQLite file to create (default: a temporary file)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the database after the demo stops")
	fs.Uint64Var(&o.Seed, "seed", 0, "random seed, for a repeatable demo (0: random)")
	fs.StringVar(&logLevel, "log-level", "error", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Out = stdout
	o.Log = newLogger(logLevel, "text", stderr)
	return demo.Run(ctx, o)
}
