package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/database"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

func TestExportImportCommands(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := dbtest.URL(t, d)
			db, key := "--database-url="+url, "--secret-key-file="+filepath.Join(t.TempDir(), "k")
			if out, err := runCmd(t, "secret-password\n", "user", "create", "--email", "ops@example.com", "--password-stdin", db, key); err != nil {
				t.Fatalf("user create: %v\n%s", err, out)
			}
			conn, err := database.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			u, err := models.UserByEmail(ctx, conn, "ops@example.com")
			if err != nil {
				t.Fatal(err)
			}
			wsID, _, _, err := models.CurrentMembership(ctx, conn, u.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			var bots []*models.Bot
			for i, name := range []string{"from_bot", "to_bot"} {
				b := &models.Bot{ID: models.NewID("bot"), OwnerID: wsID, TelegramID: int64(100 + i), Username: name, Name: name,
					TokenHash: name, TokenMasked: "…", TokenCiphertext: []byte("x"), Status: models.BotActive, UpdateMode: models.ModePolling, Tags: []string{}}
				if err := models.InsertBot(ctx, conn, b); err != nil {
					t.Fatal(err)
				}
				bots = append(bots, b)
			}
			spec := replies.NewReply()
			spec.ID, spec.Trigger, spec.Text = models.NewID(models.ReplyIDPrefix), replies.Trigger{Kind: replies.TriggerCommand, Command: "price"}, "Ten euros"
			if err := models.InsertReply(ctx, conn, &models.Reply{BotID: bots[0].ID, Spec: spec}); err != nil {
				t.Fatal(err)
			}

			var doc, errOut bytes.Buffer
			if err := run(ctx, []string{"export", "--bot", bots[0].ID, db, key}, strings.NewReader(""), &doc, &errOut); err != nil {
				t.Fatalf("export: %v\n%s", err, errOut.String())
			}
			if !strings.Contains(doc.String(), `"botdeck": 1`) || !strings.Contains(doc.String(), "Ten euros") {
				t.Fatalf("export: %s", doc.String())
			}
			var out bytes.Buffer
			if err := run(ctx, []string{"import", "--bot", bots[1].ID, "--dry-run", db, key}, bytes.NewReader(doc.Bytes()), &out, &errOut); err != nil ||
				!strings.Contains(out.String(), "dry run") || !strings.Contains(out.String(), "created  reply /price") {
				t.Fatalf("dry run: %v\n%s%s", err, out.String(), errOut.String())
			}
			if rows, _ := models.ListReplies(ctx, conn, bots[1].ID); len(rows) != 0 {
				t.Fatalf("the dry run changed the bot: %v", rows)
			}
			out.Reset()
			if err := run(ctx, []string{"import", "--bot", bots[1].ID, db, key}, bytes.NewReader(doc.Bytes()), &out, &errOut); err != nil ||
				!strings.Contains(out.String(), "created  reply /price") {
				t.Fatalf("import: %v\n%s%s", err, out.String(), errOut.String())
			}
			if rows, _ := models.ListReplies(ctx, conn, bots[1].ID); len(rows) != 1 || rows[0].Spec.Text != "Ten euros" || rows[0].ID == spec.ID {
				t.Fatalf("imported: %v", rows)
			}
			newer := strings.Replace(doc.String(), `"botdeck": 1`, `"botdeck": 2`, 1)
			if err := run(ctx, []string{"import", "--bot", bots[1].ID, db, key}, strings.NewReader(newer), &out, &errOut); err == nil || !strings.Contains(err.Error(), "newer Botdeck") {
				t.Fatalf("a newer document: %v", err)
			}
			if err := run(ctx, []string{"export", db, key}, strings.NewReader(""), &out, &errOut); err == nil || !strings.Contains(err.Error(), "--bot") {
				t.Fatalf("no --bot: %v", err)
			}
		})
	}
}
