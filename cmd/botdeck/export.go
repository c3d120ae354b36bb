package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/botdeck/botdeck/internal/app"
	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/models"
)

// exportCmd writes a bot's setup (the document GET /api/bots/{id}/export
// answers) to stdout.
func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return withExports(ctx, "export", args, stderr, nil, func(ex *core.Exports, b *models.Bot) error {
		doc, err := ex.Export(ctx, b)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	})
}

// importCmd applies a document read from stdin to a bot, in one
// transaction, and says what changed; --dry-run only says what would.
func importCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var dryRun bool
	flags := func(fs *flag.FlagSet) {
		fs.BoolVar(&dryRun, "dry-run", false, "only list what the import would change")
	}
	return withExports(ctx, "import", args, stderr, flags, func(ex *core.Exports, b *models.Bot) error {
		dec := json.NewDecoder(io.LimitReader(stdin, 64<<20))
		dec.DisallowUnknownFields()
		var doc contract.BotExport
		if err := dec.Decode(&doc); err != nil {
			return fmt.Errorf("read the document: %w", err)
		}
		res, err := ex.Import(ctx, b, b.OwnerID, &doc, dryRun)
		if e, ok := apperr.AsError(err); ok {
			msg := e.Message
			for field, problem := range e.Fields {
				msg += fmt.Sprintf("\n  %s: %s", field, problem)
			}
			return errors.New(strings.TrimSpace(msg))
		} else if err != nil {
			return err
		}
		if dryRun {
			fmt.Fprintln(stdout, "dry run: nothing was changed")
		}
		for _, l := range []struct {
			what  string
			items []string
		}{{"created", res.Created}, {"updated", res.Updated}, {"deleted", res.Deleted}, {"skipped", res.Skipped}, {"problem", res.Problems}} {
			for _, it := range l.items {
				fmt.Fprintf(stdout, "%-8s %s\n", l.what, it)
			}
		}
		return nil
	})
}

// withExports opens Botdeck (migrated) and finds the bot named by --bot.
func withExports(ctx context.Context, name string, args []string, stderr io.Writer, extra func(*flag.FlagSet),
	fn func(*core.Exports, *models.Bot) error) error {
	var botID string
	cfg, _, err := loadConfig(name, args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&botID, "bot", "", "the bot's id (bot_…)")
		if extra != nil {
			extra(fs)
		}
	})
	if err != nil {
		return err
	}
	if !models.LooksLikeID("bot", strings.TrimSpace(botID)) {
		return errors.New("--bot ID is required (a bot's id, as in its dashboard address)")
	}
	a, err := app.New(ctx, *cfg, newLogger(cfg.LogLevel, cfg.LogFormat, stderr), app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Migrate(ctx); err != nil {
		return err
	}
	b, err := models.BotByID(ctx, a.DB, strings.TrimSpace(botID))
	if err != nil {
		return fmt.Errorf("no bot %q", botID)
	}
	return fn(core.NewExports(a.Code, a.Replies, a.Campaigns), b)
}
