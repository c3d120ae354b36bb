// Command botdeck is the whole Botdeck product in one binary: the
// dashboard, the JSON API, the Telegram webhook receiver and the background
// workers, plus administrative subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Usage: botdeck [command] [flags]

Commands:
  serve                       serve the dashboard and API (the default)
  demo [--addr A] [--keep]    try Botdeck offline: a sandbox Telegram, demo bots and live traffic
  migrate up|down|status      apply, roll back (last group) or list migrations
  user create --email E --password-stdin [--name N]
                              create an account (works when sign-up is closed)
  apikey create --email E --name N
                              create an API key for an account and print it
  backup FILE                 copy the SQLite database to FILE while Botdeck serves
  restore FILE                replace the SQLite database with a backup (stop Botdeck first)
  export --bot ID             write the bot's setup (replies, code, settings) as JSON to stdout
  import --bot ID [--dry-run] apply a setup read from stdin to the bot (one transaction)
  version                     print the version

Run "botdeck serve -h" to see every setting and its environment variable.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "botdeck:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stderr)
	case "demo":
		return demoCmd(ctx, args, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, args, stdout, stderr)
	case "user":
		return userCmd(ctx, args, stdin, stdout, stderr)
	case "apikey":
		return apikeyCmd(ctx, args, stdout, stderr)
	case "backup":
		return backupCmd(ctx, args, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, args, stdout, stderr)
	case "export":
		return exportCmd(ctx, args, stdout, stderr)
	case "import":
		return importCmd(ctx, args, stdin, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "botdeck", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func newLogger(level, format string, w io.Writer) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
