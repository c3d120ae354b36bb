package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/botdeck/botdeck/internal/database"
)

// backupCmd writes a consistent copy of the SQLite database while Botdeck
// serves: `botdeck backup FILE`.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	file, rest := fileArg(args)
	cfg, _, err := loadConfig("backup FILE", rest, stderr, nil)
	if err != nil {
		return err
	}
	if file == "" {
		return errors.New("usage: botdeck backup FILE (a new file; the database keeps serving meanwhile)")
	}
	if !strings.HasPrefix(cfg.DatabaseURL, "sqlite:") {
		return database.ErrBackupOnPostgres
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := database.Backup(ctx, db, file); err != nil {
		return err
	}
	info, err := database.CheckBackup(ctx, file)
	if err != nil {
		return fmt.Errorf("the backup was written but does not check out: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %d accounts and %d bots to %s\n", info.Users, info.Bots, file)
	fmt.Fprintf(stdout, "keep %s with it: without that key the bot tokens in the backup cannot be decrypted\n", cfg.SecretKeyFile)
	return nil
}

// restoreCmd replaces the SQLite database with a backup: `botdeck restore
// FILE`, with every Botdeck process using the database stopped.
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	file, rest := fileArg(args)
	cfg, _, err := loadConfig("restore FILE", rest, stderr, nil)
	if err != nil {
		return err
	}
	if file == "" {
		return errors.New("usage: botdeck restore FILE (stop every botdeck serve using the database first)")
	}
	dbPath, ok := strings.CutPrefix(cfg.DatabaseURL, "sqlite:")
	if !ok {
		return errors.New("on PostgreSQL, restore with pg_restore --clean --dbname=… botdeck.dump")
	}
	if dbPath == "" {
		dbPath = "botdeck.db"
	}
	info, err := database.Restore(ctx, file, dbPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %d accounts and %d bots into %s (the database it replaced, if any, is %s.before-restore)\n",
		info.Users, info.Bots, dbPath, dbPath)
	fmt.Fprintln(stdout, "start Botdeck with the secret key file the backup was made with; it applies any newer migrations at start")
	return nil
}

// fileArg takes the first argument that is not a flag as the file.
func fileArg(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}
