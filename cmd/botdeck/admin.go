package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/database"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
)

func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: botdeck migrate up|down|status")
	}
	action := args[0]
	cfg, _, err := loadConfig("migrate "+action, args[1:], stderr, nil)
	if err != nil {
		return err
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	switch action {
	case "up":
		applied, err := database.Migrate(ctx, db)
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(stdout, "nothing to apply: the database is up to date")
		}
		for _, name := range applied {
			fmt.Fprintln(stdout, "applied", name)
		}
	case "down":
		undone, err := database.Rollback(ctx, db)
		if err != nil {
			return err
		}
		if len(undone) == 0 {
			fmt.Fprintln(stdout, "nothing to roll back")
		}
		for _, name := range undone {
			fmt.Fprintln(stdout, "rolled back", name)
		}
	case "status":
		st, err := database.Status(ctx, db)
		if err != nil {
			return err
		}
		for _, s := range st {
			state := "pending"
			if s.Applied {
				state = "applied"
			}
			fmt.Fprintf(stdout, "%-8s %s\n", state, s.Name)
		}
	default:
		return fmt.Errorf("unknown migrate action %q (want up, down or status)", action)
	}
	return nil
}

// openMigrated opens the configured database and brings it up to date, for
// the admin commands that write accounts.
func openMigrated(ctx context.Context, url string) (*bun.DB, error) {
	db, err := database.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := database.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

const userUsage = "usage: botdeck user create --email E --password-stdin [--name N]\n" +
	"       botdeck user reset-password --email E [--base-url URL]"

func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "reset-password" {
		return resetPasswordCmd(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "create" {
		return errors.New(userUsage)
	}
	var email, name string
	var passwordStdin bool
	cfg, _, err := loadConfig("user create", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email of the new account")
		fs.StringVar(&name, "name", "", "display name")
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	})
	if err != nil {
		return err
	}
	if !passwordStdin {
		return errors.New("--password-stdin is required (passwords never go on the command line, where other users can see them)")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	req := contract.SignupRequest{Email: email, Password: strings.TrimRight(line, "\r\n"), Name: name}
	if err := web.NewValidator().Struct(req); err != nil {
		return describeError(err)
	}
	db, err := openMigrated(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := core.NewAccounts(db, core.AccountsConfig{}).CreateUser(ctx, req)
	if err != nil {
		return describeError(err)
	}
	fmt.Fprintf(stdout, "created user %s (%s)\n", u.Email, u.ID)
	return nil
}

// resetPasswordCmd prints a one-hour, single-use link that sets a new
// password for the account (and ends its sessions), for an operator to pass
// on when this Botdeck sends no mail.
func resetPasswordCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var email, base string
	cfg, _, err := loadConfig("user reset-password", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email of the account")
		fs.StringVar(&base, "base-url", "", "where people reach this Botdeck (default: public-url, else http://ADDR)")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return errors.New("--email is required")
	}
	if base == "" {
		base = cfg.PublicURL
	}
	if base == "" {
		base = "http://" + cfg.Addr
	}
	db, err := openMigrated(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	link, err := core.NewAccounts(db, core.AccountsConfig{}).PasswordResetLink(ctx, email, strings.TrimRight(base, "/"))
	if e, ok := apperr.AsError(err); ok && e.Kind == apperr.KindNotFound {
		return fmt.Errorf("no account with email %q", email)
	} else if err != nil {
		return err
	}
	fmt.Fprintln(stdout, link)
	fmt.Fprintln(stderr, "The link works once, within an hour; using it ends every session of the account.")
	return nil
}

func apikeyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: botdeck apikey create --email E --name N")
	}
	var email, name string
	cfg, _, err := loadConfig("apikey create", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email of the account that owns the key")
		fs.StringVar(&name, "name", "", "a name that says where the key is used")
	})
	if err != nil {
		return err
	}
	req := contract.APIKeyCreateRequest{Name: name}
	if err := web.NewValidator().Struct(req); err != nil {
		return describeError(err)
	}
	db, err := openMigrated(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := models.UserByEmail(ctx, db, email)
	if err != nil {
		return fmt.Errorf("no account with email %q", email)
	}
	// The key acts in the account's first workspace (its own, unless it
	// left it).
	ws, _, ok, err := models.CurrentMembership(ctx, db, u.ID, "")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("the account %q belongs to no workspace", email)
	}
	key, err := core.NewAccounts(db, core.AccountsConfig{}).CreateAPIKey(ctx, u.ID, ws, req)
	if err != nil {
		return describeError(err)
	}
	fmt.Fprintln(stdout, key.Key)
	return nil
}

// describeError prints field errors the way a shell user wants them.
func describeError(err error) error {
	e, ok := apperr.AsError(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	var parts []string
	for f, msg := range e.Fields {
		parts = append(parts, "--"+f+" "+msg)
	}
	return errors.New(strings.Join(parts, "; "))
}

// version is the module version, or the VCS revision of a source build.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			if v == "" || v == "(devel)" {
				v = "dev"
			}
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}
