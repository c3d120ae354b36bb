package database

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestBackupWhileServingAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "botdeck.db")
	db, err := Open(ctx, "sqlite:"+live)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	insert := func(id string) error {
		_, err := db.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (?, ?, '', 'x', ?, ?)`,
			id, id+"@example.com", time.Now(), time.Now())
		return err
	}
	if err := insert("usr_before"); err != nil {
		t.Fatal(err)
	}

	// A writer keeps going while the backup is taken: it is neither blocked
	// for long nor breaks the copy.
	var written atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := insert("usr_w" + strings.Repeat("x", i%3) + time.Now().Format("150405.000000000")); err != nil {
				done <- err
				return
			}
			written.Add(1)
		}
	}()
	backup := filepath.Join(dir, "copy.db")
	if err := Backup(ctx, db, backup); err != nil {
		t.Fatal(err)
	}
	for written.Load() < 5 { // the writer made progress around the backup
		time.Sleep(time.Millisecond)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("a writer during the backup: %v", err)
	}
	info, err := CheckBackup(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	if info.Users < 1 || info.Migrations == 0 {
		t.Fatalf("the backup holds the data: %+v", info)
	}
	if err := Backup(ctx, db, backup); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("never overwrites a file: %v", err)
	}

	// Restore over a database that changed since: the backup comes back, the
	// replaced database is kept aside with its log.
	if err := insert("usr_after"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Restore(ctx, backup, live); err != nil {
		t.Fatal(err)
	}
	restored, err := Open(ctx, "sqlite:"+live)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var n int
	restored.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id IN ('usr_before', 'usr_after')`).Scan(&n)
	if n != 1 {
		t.Fatalf("the restored database is the backup: %d of the two marker users", n)
	}
	aside, err := CheckBackup(ctx, live+".before-restore")
	if err != nil || aside.Users <= info.Users {
		t.Fatalf("the replaced database is kept, with its latest writes: %+v %v", aside, err)
	}
}

func TestRestoreRefusesWhatIsNotABotdeckBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("not a database at all, just some bytes that are long enough to matter"), 0o600)
	target := filepath.Join(dir, "botdeck.db")
	os.WriteFile(target, []byte("keep me"), 0o600)
	if _, err := Restore(ctx, junk, target); err == nil {
		t.Fatal("a file that is not SQLite is refused")
	}
	other := filepath.Join(dir, "other.db")
	odb, err := Open(ctx, "sqlite:"+other)
	if err != nil {
		t.Fatal(err)
	}
	odb.ExecContext(ctx, `CREATE TABLE notes (x TEXT)`)
	odb.Close()
	if _, err := Restore(ctx, other, target); err == nil || !strings.Contains(err.Error(), "not a Botdeck database") {
		t.Fatalf("another program's SQLite file is refused: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me" {
		t.Fatal("a refused restore changes nothing")
	}
	if _, err := Restore(ctx, filepath.Join(dir, "missing.db"), target); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing backup: %v", err)
	}
}
