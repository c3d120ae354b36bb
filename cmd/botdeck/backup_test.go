package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/dbtest"
)

func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	db := "--database-url=sqlite:" + filepath.Join(dir, "botdeck.db")
	key := "--secret-key-file=" + filepath.Join(dir, "k")
	if out, err := runCmd(t, "secret-password\n", "user", "create", "--email", "ops@example.com", "--password-stdin", db, key); err != nil {
		t.Fatalf("user create: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "backup.db")
	out, err := runCmd(t, "", "backup", file, db, key)
	if err != nil || !strings.Contains(out, "backed up 1 accounts and 0 bots") || !strings.Contains(out, "keep "+filepath.Join(dir, "k")) {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err = runCmd(t, "", "backup", file, db, key); err == nil {
		t.Fatalf("a second backup to the same file is refused:\n%s", out)
	}
	if out, err = runCmd(t, "", "backup", db, key); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("backup without a file: %v\n%s", err, out)
	}

	restored := "--database-url=sqlite:" + filepath.Join(dir, "restored.db")
	if out, err = runCmd(t, "", "restore", file, restored, key); err != nil || !strings.Contains(out, "restored 1 accounts") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	// The restored database serves the account.
	if out, err = runCmd(t, "", "apikey", "create", "--email", "ops@example.com", "--name", "after restore", restored, key); err != nil {
		t.Fatalf("the restored database works: %v\n%s", err, out)
	}

	for _, d := range dbtest.Dialects() {
		if d != "postgres" {
			continue
		}
		_, err := runCmd(t, "", "backup", file+".pg", "--database-url="+dbtest.URL(t, d), key)
		if err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Fatalf("PostgreSQL backups are pg_dump's job: %v", err)
		}
	}
}
