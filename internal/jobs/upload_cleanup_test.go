package jobs_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/jobs"
	"github.com/botdeck/botdeck/models"
)

// The uploads cleanup deletes, in batches, uploads older than a day that
// nothing uses; one a reply, a broadcast or an outbox message (the
// dashboard composer's) uses survives, and so does a fresh one. Of two
// instances only the one holding the lease cleans.
func TestUploadCleanupDeletesOnlyUnusedOldUploads(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.Start(t, d)
			ctx := context.Background()
			db := env.App.DB
			owner := env.SignUp(t, "uploads@example.com")
			bot := env.ConnectBot(t, owner, "uploads_bot")
			ws := owner.Workspace(t) // uploads belong to the workspace
			png := []byte("\x89PNG\r\n\x1a\n" + string(make([]byte, 64)))
			add := func(name string) string {
				u := &models.Upload{ID: models.NewID(models.UploadIDPrefix), OwnerID: ws, Name: name,
					ContentType: "image/png", Data: png}
				if err := models.InsertUpload(ctx, db, u); err != nil {
					t.Fatal(err)
				}
				return u.ID
			}
			var unused []string
			for range 5 {
				unused = append(unused, add("unused.png"))
			}
			fresh, inReply, inBroadcast, inOutbox := add("fresh.png"), add("reply.png"), add("broadcast.png"), add("message.png")
			if err := models.SetUploadFileID(ctx, db, unused[0], bot.ID, "AgADfile", models.Now()); err != nil {
				t.Fatal(err)
			}
			api := "/api/bots/" + bot.ID
			owner.Post(t, api+"/replies", map[string]any{"trigger": map[string]any{"kind": "command", "command": "pic"},
				"text": "Look", "photo": inReply}).Expect(t, http.StatusCreated)
			owner.Post(t, api+"/broadcasts", map[string]any{"text": "Later", "photo": inBroadcast,
				"scheduledAt": models.Now().Add(72 * time.Hour).Format(time.RFC3339)}).Expect(t, http.StatusCreated)
			now := models.Now()
			if _, err := db.NewInsert().Model(&models.OutboxMessage{BotID: bot.ID, ChatID: 42, Method: "sendPhoto", Params: "{}",
				UploadID: inOutbox, UploadField: "photo", Origin: "dashboard", Status: models.OutboxSent, NotBefore: now,
				CreatedAt: now, UpdatedAt: now}).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			// Everything but the fresh one was uploaded two days ago.
			if _, err := db.NewUpdate().Model((*models.Upload)(nil)).Set("created_at = ?", now.Add(-48*time.Hour)).
				Where("id <> ?", fresh).Exec(ctx); err != nil {
				t.Fatal(err)
			}

			a := jobs.NewUploadCleanup(db, quietLog(), "instance-a")
			b := jobs.NewUploadCleanup(db, quietLog(), "instance-b")
			a.Batch, b.Batch = 2, 2 // several batches
			if n, err := a.Clean(ctx); err != nil || n != 5 {
				t.Fatalf("instance a deleted %d, %v; want the 5 unused old uploads", n, err)
			}
			// The other instance does not hold the lease: it leaves even a
			// new unused old upload alone, which a's next round deletes.
			late := add("late.png")
			db.NewUpdate().Model((*models.Upload)(nil)).Set("created_at = ?", now.Add(-48*time.Hour)).Where("id = ?", late).Exec(ctx)
			if n, err := b.Clean(ctx); err != nil || n != 0 {
				t.Fatalf("instance b without the lease deleted %d, %v", n, err)
			}
			if n, err := a.Clean(ctx); err != nil || n != 1 {
				t.Fatalf("instance a's second round deleted %d, %v", n, err)
			}

			var left []string
			if err := db.NewSelect().Model((*models.Upload)(nil)).Column("id").Order("id").Scan(ctx, &left); err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{fresh: true, inReply: true, inBroadcast: true, inOutbox: true}
			if len(left) != len(want) {
				t.Fatalf("uploads left: %v, want fresh, reply's, broadcast's, message's", left)
			}
			for _, id := range left {
				if !want[id] {
					t.Fatalf("unexpected upload kept: %s (left %v)", id, left)
				}
			}
			if id, err := models.UploadFileID(ctx, db, unused[0], bot.ID); err != nil || id != "" {
				t.Fatalf("file id of a deleted upload: %q %v", id, err)
			}
			// The reply still sends its photo: the upload is there to read.
			if _, err := models.UploadData(ctx, db, inReply); err != nil {
				t.Fatalf("reply's upload: %v", err)
			}
		})
	}
}
