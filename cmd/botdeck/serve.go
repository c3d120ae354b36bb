package main

import (
	"context"
	"flag"
	"io"
	"os"

	"github.com/botdeck/botdeck/internal/app"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/gcfloor"
	"github.com/botdeck/botdeck/internal/logbuf"
)

// loadConfig parses the settings shared by every subcommand plus extra
// flags the subcommand registers on fs.
func loadConfig(name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (*config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("botdeck "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := config.Bind(fs, os.Getenv)
	if err != nil {
		return nil, nil, err
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	return cfg, fs, cfg.Validate()
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, _, err := loadConfig("serve", args, stderr, nil)
	if err != nil {
		return err
	}
	// Log lines are written together, not one write per request (logbuf).
	logOut := logbuf.New(stderr)
	defer logOut.Close()
	log := newLogger(cfg.LogLevel, cfg.LogFormat, logOut)
	gcfloor.Start(gcfloor.DefaultFloor) // fewer collections while the live heap is small
	a, err := app.New(ctx, *cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Serve(ctx, nil)
}
