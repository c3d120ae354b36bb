package models_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

func replyIDs(rows []models.Reply) []string {
	out := make([]string, len(rows))
	for i := range rows {
		out[i] = rows[i].ID
	}
	return out
}

func TestReplyStore(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot, other := seedBot(t, db), seedBot(t, db)
		starters := replies.Starters(func() string { return models.NewID(models.ReplyIDPrefix) })
		for _, s := range starters {
			if err := models.InsertReply(ctx, db, &models.Reply{BotID: bot, Spec: s}); err != nil {
				t.Fatal(err)
			}
		}
		kw := replies.NewReply()
		kw.ID = models.NewID(models.ReplyIDPrefix)
		kw.Trigger = replies.Trigger{Kind: replies.TriggerKeyword, Keywords: []string{"price", "цена"}}
		kw.Text = "It costs {prop.price}"
		kw.Keyboard = replies.KeyboardRemove()
		kw.Actions = []replies.Action{{Tag: "add", Name: "asked"}, {Set: "price", Value: []byte(`12.5`)}}
		if err := models.InsertReply(ctx, db, &models.Reply{BotID: other, Spec: kw}); err != nil {
			t.Fatal(err)
		}
		v0, err := models.RepliesVersion(ctx, db, bot)
		if err != nil || v0 != 2 {
			t.Fatalf("version = %d, %v; want 2", v0, err)
		}

		rows, err := models.ListReplies(ctx, db, bot)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := replyIDs(rows), []string{starters[0].ID, starters[1].ID}; !reflect.DeepEqual(got, want) {
			t.Fatalf("order = %v, want %v", got, want)
		}
		if !reflect.DeepEqual(rows[0].Spec, starters[0]) {
			t.Fatalf("spec round trip:\n got %+v\nwant %+v", rows[0].Spec, starters[0])
		}
		got, err := models.ReplyOfBot(ctx, db, other, kw.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Spec.Keyboard == nil || !got.Spec.Keyboard.Remove || got.Spec.Actions[1].Decoded() != 12.5 || got.Spec.Trigger.Keywords[1] != "цена" {
			t.Fatalf("keyword reply round trip: %+v", got.Spec)
		}

		// Another bot's reply is not found, for reading, changing and deleting.
		if _, err := models.ReplyOfBot(ctx, db, bot, kw.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("another bot's reply: %v", err)
		}
		if err := models.UpdateReply(ctx, db, &models.Reply{ID: kw.ID, BotID: bot, Spec: kw}); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("update another bot's reply: %v", err)
		}
		if err := models.DeleteReply(ctx, db, bot, kw.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("delete another bot's reply: %v", err)
		}

		// Update: the spec and the enabled column move together.
		r := rows[1]
		r.Spec.Text = "changed"
		r.Spec.Enabled = false
		r.UpdatedAt = time.Time{}
		if err := models.UpdateReply(ctx, db, &r); err != nil {
			t.Fatal(err)
		}
		got, _ = models.ReplyOfBot(ctx, db, bot, r.ID)
		if got.Enabled || got.Spec.Enabled || got.Spec.Text != "changed" {
			t.Fatalf("after update: %+v", got)
		}

		// Reorder.
		if err := models.ReorderReplies(ctx, db, bot, []string{starters[1].ID, starters[0].ID}, models.Now()); err != nil {
			t.Fatal(err)
		}
		rows, _ = models.ListReplies(ctx, db, bot)
		if got, want := replyIDs(rows), []string{starters[1].ID, starters[0].ID}; !reflect.DeepEqual(got, want) {
			t.Fatalf("after reorder = %v, want %v", got, want)
		}

		// Usage counts do not move the version; changes do.
		v1, _ := models.RepliesVersion(ctx, db, bot)
		if v1 != v0+2 {
			t.Fatalf("version after update and reorder = %d, want %d", v1, v0+2)
		}
		at := models.Now()
		for _, when := range []time.Time{at, at.Add(-time.Hour)} {
			if err := models.CountReplyUse(ctx, db, bot, starters[0].ID, when); err != nil {
				t.Fatal(err)
			}
		}
		got, _ = models.ReplyOfBot(ctx, db, bot, starters[0].ID)
		if got.Uses != 2 || got.LastUsedAt == nil || !got.LastUsedAt.Equal(at) {
			t.Fatalf("uses = %d, last used %v; want 2, %v", got.Uses, got.LastUsedAt, at)
		}
		if v, _ := models.RepliesVersion(ctx, db, bot); v != v1 {
			t.Fatalf("usage moved the version: %d → %d", v1, v)
		}

		if err := models.DeleteReply(ctx, db, bot, starters[0].ID); err != nil {
			t.Fatal(err)
		}
		rows, _ = models.ListReplies(ctx, db, bot)
		if len(rows) != 1 {
			t.Fatalf("after delete: %d replies", len(rows))
		}
		// A new reply goes last.
		nr := replies.NewReply()
		nr.ID = models.NewID(models.ReplyIDPrefix)
		nr.Trigger = replies.Trigger{Kind: replies.TriggerFallback}
		nr.Text = "?"
		if err := models.InsertReply(ctx, db, &models.Reply{BotID: bot, Spec: nr}); err != nil {
			t.Fatal(err)
		}
		rows, _ = models.ListReplies(ctx, db, bot)
		if got, want := replyIDs(rows), []string{starters[1].ID, nr.ID}; !reflect.DeepEqual(got, want) {
			t.Fatalf("after insert = %v, want %v", got, want)
		}
		if _, err := models.RepliesVersion(ctx, db, "bot_nope"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("version of a missing bot: %v", err)
		}
	})
}

func TestUploadStore(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		b, _ := models.BotByID(ctx, db, bot)
		other := seedBot(t, db)
		o, _ := models.BotByID(ctx, db, other)
		data := []byte("\x89PNG\r\n\x1a\n" + string(make([]byte, 100)))
		u := &models.Upload{ID: models.NewID(models.UploadIDPrefix), OwnerID: b.OwnerID, Name: "a.png", ContentType: "image/png", Data: data}
		if err := models.InsertUpload(ctx, db, u); err != nil {
			t.Fatal(err)
		}
		got, err := models.UploadOfOwner(ctx, db, b.OwnerID, u.ID)
		if err != nil || got.Size != int64(len(data)) || got.Data != nil || got.Name != "a.png" {
			t.Fatalf("upload of owner = %+v, %v", got, err)
		}
		if _, err := models.UploadOfOwner(ctx, db, o.OwnerID, u.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("another account's upload: %v", err)
		}
		owned, err := models.UploadsOfOwner(ctx, db, o.OwnerID, []string{u.ID})
		if err != nil || len(owned) != 0 {
			t.Fatalf("uploads of another owner = %v, %v", owned, err)
		}
		owned, _ = models.UploadsOfOwner(ctx, db, b.OwnerID, []string{u.ID, "upl_x"})
		if len(owned) != 1 || owned[u.ID] == nil {
			t.Fatalf("uploads of owner = %v", owned)
		}
		full, err := models.UploadData(ctx, db, u.ID)
		if err != nil || !reflect.DeepEqual(full.Data, data) || full.ContentType != "image/png" {
			t.Fatalf("upload data = %v, %v", full, err)
		}

		if id, err := models.UploadFileID(ctx, db, u.ID, bot); err != nil || id != "" {
			t.Fatalf("file id before any send = %q, %v", id, err)
		}
		for _, f := range []string{"AgAD1", "AgAD2"} {
			if err := models.SetUploadFileID(ctx, db, u.ID, bot, f, models.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if id, err := models.UploadFileID(ctx, db, u.ID, bot); err != nil || id != "AgAD2" {
			t.Fatalf("file id = %q, %v", id, err)
		}
		if id, _ := models.UploadFileID(ctx, db, u.ID, other); id != "" {
			t.Fatalf("another bot's file id = %q", id)
		}
		if err := models.SetUploadFileID(ctx, db, "upl_gone", bot, "x", models.Now()); err != nil {
			t.Fatalf("file id of a deleted upload: %v", err)
		}
	})
}

func TestSourceStore(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		now := models.Now()
		for i := int64(1); i <= 4; i++ {
			if _, err := models.InsertBotUserIfNew(ctx, db, &models.BotUser{BotID: bot, UserID: i, FirstName: "U", StartedAt: now, LastSeenAt: now}); err != nil {
				t.Fatal(err)
			}
		}
		set := func(user int64, src string, at time.Time, want bool) {
			t.Helper()
			ok, err := models.SetUserSource(ctx, db, bot, user, src, at)
			if err != nil || ok != want {
				t.Fatalf("set source %d %q = %v, %v; want %v", user, src, ok, err, want)
			}
		}
		set(1, "ads", now.Add(-time.Hour), true)
		set(1, "other", now, false) // the first source stays
		set(2, "ads", now, true)
		set(3, "blog", now.Add(-72*time.Hour), true)
		set(4, "", now, false)
		if s, _ := models.UserSource(ctx, db, bot, 1); s != "ads" {
			t.Fatalf("user 1 source = %q", s)
		}
		got, err := models.ListSources(ctx, db, bot, now.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Source != "ads" || got[0].Users != 2 || !got[0].LastAt.Equal(now) {
			t.Fatalf("sources in a day = %+v", got)
		}
		got, _ = models.ListSources(ctx, db, bot, now.Add(-7*24*time.Hour))
		if len(got) != 2 || got[1].Source != "blog" || got[1].Users != 1 {
			t.Fatalf("sources in a week = %+v", got)
		}
	})
}
