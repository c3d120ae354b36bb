package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

// ErrBackupOnPostgres is returned by Backup for a PostgreSQL database: its
// own tools copy it better (and while it serves) than Botdeck could.
var ErrBackupOnPostgres = errors.New("on PostgreSQL, back up with pg_dump: " +
	"pg_dump --format=custom --file=botdeck.dump \"$BOTDECK_DATABASE_URL\" (restore with pg_restore --clean --dbname=…)")

// Backup writes a consistent copy of a SQLite database to path while the
// database keeps serving (VACUUM INTO reads one snapshot and writes a
// compact file; writers are not blocked). path must not exist.
func Backup(ctx context.Context, db *bun.DB, path string) error {
	if sqldialect.IsPostgres(db) {
		return ErrBackupOnPostgres
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists: back up to a new file", path)
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}

// BackupInfo describes a backup file.
type BackupInfo struct {
	Migrations int // migrations applied in it
	Users      int // accounts in it
	Bots       int // bots in it
}

// CheckBackup opens a backup read-only and checks that it is an intact
// Botdeck database.
func CheckBackup(ctx context.Context, path string) (BackupInfo, error) {
	var info BackupInfo
	if _, err := os.Stat(path); err != nil {
		return info, err
	}
	sqldb, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return info, err
	}
	defer sqldb.Close()
	var check string
	if err := sqldb.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil {
		return info, fmt.Errorf("%s is not a SQLite database: %w", path, err)
	}
	if check != "ok" {
		return info, fmt.Errorf("%s is damaged: %s", path, check)
	}
	for _, q := range []struct {
		sql  string
		into *int
	}{
		{"SELECT count(*) FROM bun_migrations", &info.Migrations},
		{"SELECT count(*) FROM users", &info.Users},
		{"SELECT count(*) FROM bots", &info.Bots},
	} {
		if err := sqldb.QueryRowContext(ctx, q.sql).Scan(q.into); err != nil {
			return info, fmt.Errorf("%s is not a Botdeck database (%s)", path, strings.TrimPrefix(err.Error(), "SQL logic error: "))
		}
	}
	return info, nil
}

// Restore replaces the SQLite database at dbPath with the backup at from,
// after checking the backup. Every Botdeck process using dbPath must be
// stopped first. The copy is written beside dbPath and renamed over it, so
// a failure leaves the old database as it was; an existing database is
// kept as dbPath+".before-restore".
func Restore(ctx context.Context, from, dbPath string) (BackupInfo, error) {
	info, err := CheckBackup(ctx, from)
	if err != nil {
		return info, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dbPath), filepath.Base(dbPath)+".restore-*")
	if err != nil {
		return info, err
	}
	defer os.Remove(tmp.Name())
	src, err := os.Open(from)
	if err != nil {
		tmp.Close()
		return info, err
	}
	_, err = io.Copy(tmp, src)
	src.Close()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return info, fmt.Errorf("copy %s: %w", from, err)
	}
	// The old database moves aside with its write-ahead log (which may hold
	// its latest changes); left in place, SQLite would replay that log into
	// the restored file.
	for _, side := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(dbPath+side, dbPath+".before-restore"+side); err != nil && !errors.Is(err, os.ErrNotExist) {
			return info, err
		}
	}
	return info, os.Rename(tmp.Name(), dbPath)
}
