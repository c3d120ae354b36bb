package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// seedBot inserts an account and a bot directly and returns the bot's id.
func seedBot(t testing.TB, db bun.IDB) string {
	t.Helper()
	ctx := context.Background()
	now := models.Now()
	u := &models.User{ID: models.NewID("usr"), Email: models.RandomString(6) + "@example.com", Name: "Owner", PasswordHash: "x", CreatedAt: now, UpdatedAt: now}
	if err := models.InsertUser(ctx, db, u); err != nil {
		t.Fatal(err)
	}
	ws := &models.Workspace{ID: models.NewID("ws"), Name: "W", CreatedAt: now}
	if err := models.InsertWorkspace(ctx, db, ws, u.ID); err != nil {
		t.Fatal(err)
	}
	b := &models.Bot{ID: models.NewID("bot"), OwnerID: ws.ID, TelegramID: time.Now().UnixNano() % 1e12, Username: "b_" + models.RandomString(4),
		Name: "Bot", TokenCiphertext: []byte("x"), TokenHash: models.RandomString(8), TokenMasked: "1:A…z", Status: models.BotActive,
		UpdateMode: models.ModePolling, WebhookSecret: "s", Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	if err := models.InsertBot(ctx, db, b); err != nil {
		t.Fatal(err)
	}
	return b.ID
}

func mustInsert(t *testing.T, d *models.Documents, coll string, docs ...map[string]any) []string {
	t.Helper()
	ids := make([]string, len(docs))
	for i, doc := range docs {
		id, err := d.Insert(context.Background(), coll, doc)
		if err != nil {
			t.Fatalf("insert %v: %v", doc, err)
		}
		ids[i] = id
	}
	return ids
}

func ids(docs []map[string]any) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d["_id"].(string)
	}
	return out
}

func docErrMessage(t *testing.T, err error) string {
	t.Helper()
	var de *models.DocError
	if !errors.As(err, &de) {
		t.Fatalf("want a *DocError, got %T %v", err, err)
	}
	return de.Message
}

// TestDocumentFilters checks the filter semantics on both dialects with the
// same cases: JSON-equal top-level fields, null matching missing, _id.
func TestDocumentFilters(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		d := models.BotDocuments(db, seedBot(t, db), models.DocLimits{})
		mustInsert(t, d, "things",
			map[string]any{"_id": "a", "n": 1.0, "s": "x", "b": true, "o": map[string]any{"k": 1.0, "z": []any{"q", 2.5}}, "arr": []any{1.0, 2.0}},
			map[string]any{"_id": "b", "n": 1.5, "s": "X", "b": false, "o": map[string]any{"z": []any{"q", 2.5}, "k": 1.0}, "arr": []any{2.0, 1.0}},
			map[string]any{"_id": "c", "n": "1", "s": nil, "b": 1.0, "esc": "line\nbreak \u2028 \"quoted\" <tag> & é 😀", "nested": map[string]any{"t": "a\tb/c\\d"}},
			map[string]any{"_id": "d", "n": 100.0, "big": 1e21, "neg": -0.0},
		)
		cases := []struct {
			name   string
			filter map[string]any
			want   []string
		}{
			{"empty filter", map[string]any{}, []string{"a", "b", "c", "d"}},
			{"number equals number, not string", map[string]any{"n": 1.0}, []string{"a"}},
			{"string equals string, not number", map[string]any{"n": "1"}, []string{"c"}},
			{"strings are case-sensitive", map[string]any{"s": "x"}, []string{"a"}},
			{"true is not 1", map[string]any{"b": true}, []string{"a"}},
			{"1 is not true", map[string]any{"b": 1.0}, []string{"c"}},
			{"false", map[string]any{"b": false}, []string{"b"}},
			{"null matches null and missing", map[string]any{"s": nil}, []string{"c", "d"}},
			{"objects compare whatever the key order", map[string]any{"o": map[string]any{"z": []any{"q", 2.5}, "k": 1.0}}, []string{"a", "b"}},
			{"objects compare deeply", map[string]any{"o": map[string]any{"k": 1.0}}, nil},
			{"arrays compare in order", map[string]any{"arr": []any{1.0, 2.0}}, []string{"a"}},
			{"an array does not match an element", map[string]any{"arr": 1.0}, nil},
			{"escapes round-trip", map[string]any{"esc": "line\nbreak \u2028 \"quoted\" <tag> & é 😀"}, []string{"c"}},
			{"escapes inside objects", map[string]any{"nested": map[string]any{"t": "a\tb/c\\d"}}, []string{"c"}},
			{"big numbers", map[string]any{"big": 1e21}, []string{"d"}},
			{"minus zero is zero", map[string]any{"neg": 0.0}, []string{"d"}},
			{"integers equal their float", map[string]any{"n": 100.0}, []string{"d"}},
			{"_id", map[string]any{"_id": "b"}, []string{"b"}},
			{"_id and a field", map[string]any{"_id": "b", "n": 1.0}, nil},
			{"several fields", map[string]any{"s": "X", "b": false, "n": 1.5}, []string{"b"}},
			{"missing field never equals a value", map[string]any{"nope": "x"}, nil},
		}
		for _, c := range cases {
			docs, err := d.Find(ctx, "things", c.filter, models.DocFind{Limit: 100})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got := ids(docs)
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
			n, err := d.Count(ctx, "things", c.filter)
			if err != nil || n != int64(len(c.want)) {
				t.Errorf("%s: count %d (%v), want %d", c.name, n, err, len(c.want))
			}
		}
		// Round trip of a whole document.
		doc, err := d.FindOne(ctx, "things", map[string]any{"_id": "c"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"_id": "c", "n": "1", "s": nil, "b": 1.0, "esc": "line\nbreak \u2028 \"quoted\" <tag> & é 😀", "nested": map[string]any{"t": "a\tb/c\\d"}}
		if !reflect.DeepEqual(doc, want) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", doc, want)
		}
		if doc, err := d.FindOne(ctx, "things", map[string]any{"_id": "zzz"}); doc != nil || err != nil {
			t.Fatalf("findOne of nothing: %v %v", doc, err)
		}
		// Collections are separate.
		if n, _ := d.Count(ctx, "other", nil); n != 0 {
			t.Fatalf("other collection has %d", n)
		}
		// Refused field names and values, alike on both dialects.
		for _, f := range []map[string]any{{`a"b`: 1.0}, {`a\b`: 1.0}, {"a\nb": 1.0}, {"s": "nul\x00"}} {
			_, err := d.Find(ctx, "things", f, models.DocFind{Limit: 1})
			docErrMessage(t, err)
		}
	})
}

func TestDocumentSortSkipLimit(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		d := models.BotDocuments(db, seedBot(t, db), models.DocLimits{})
		mustInsert(t, d, "mixed",
			map[string]any{"_id": "s-b", "v": "b"},
			map[string]any{"_id": "n-10", "v": 10.0},
			map[string]any{"_id": "missing"},
			map[string]any{"_id": "t", "v": true},
			map[string]any{"_id": "arr", "v": []any{1.0}},
			map[string]any{"_id": "s-B", "v": "B"},
			map[string]any{"_id": "n-2", "v": 2.0},
			map[string]any{"_id": "obj", "v": map[string]any{"a": 1.0}},
			map[string]any{"_id": "null", "v": nil},
			map[string]any{"_id": "f", "v": false},
			map[string]any{"_id": "n-2.5", "v": 2.5},
			map[string]any{"_id": "s-é", "v": "é"},
			map[string]any{"_id": "n-neg", "v": -1.0},
		)
		find := func(opts models.DocFind) []string {
			t.Helper()
			docs, err := d.Find(ctx, "mixed", nil, opts)
			if err != nil {
				t.Fatal(err)
			}
			return ids(docs)
		}
		asc := []string{"missing", "null", "n-neg", "n-2", "n-2.5", "n-10", "s-B", "s-b", "s-é", "f", "t", "obj", "arr"}
		if got := find(models.DocFind{Limit: 100, Sort: []models.DocSort{{Field: "v"}}}); !reflect.DeepEqual(got, asc) {
			t.Errorf("ascending:\n got %v\nwant %v", got, asc)
		}
		desc := []string{"arr", "obj", "t", "f", "s-é", "s-b", "s-B", "n-10", "n-2.5", "n-2", "n-neg", "missing", "null"}
		if got := find(models.DocFind{Limit: 100, Sort: []models.DocSort{{Field: "v", Desc: true}}}); !reflect.DeepEqual(got, desc) {
			t.Errorf("descending:\n got %v\nwant %v", got, desc)
		}
		insertion := []string{"s-b", "n-10", "missing", "t", "arr", "s-B", "n-2", "obj", "null", "f", "n-2.5", "s-é", "n-neg"}
		if got := find(models.DocFind{Limit: 100}); !reflect.DeepEqual(got, insertion) {
			t.Errorf("insertion order: %v", got)
		}
		if got := find(models.DocFind{Limit: 3, Skip: 2}); !reflect.DeepEqual(got, insertion[2:5]) {
			t.Errorf("skip/limit: %v", got)
		}
		if got := find(models.DocFind{Limit: 2, Sort: []models.DocSort{{Field: "_id", Desc: true}}}); !reflect.DeepEqual(got, []string{"t", "s-é"}) {
			t.Errorf("by _id: %v", got)
		}
		// Two sort keys.
		mustInsert(t, d, "people",
			map[string]any{"_id": "1", "city": "Oslo", "age": 30.0},
			map[string]any{"_id": "2", "city": "Bergen", "age": 40.0},
			map[string]any{"_id": "3", "city": "Oslo", "age": 20.0},
			map[string]any{"_id": "4", "city": "Bergen", "age": 40.0},
		)
		docs, err := d.Find(ctx, "people", nil, models.DocFind{Limit: 10, Sort: []models.DocSort{{Field: "city"}, {Field: "age", Desc: true}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(docs); !reflect.DeepEqual(got, []string{"2", "4", "1", "3"}) {
			t.Errorf("two keys: %v", got)
		}
	})
}

func TestDocumentUpdates(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		d := models.BotDocuments(db, seedBot(t, db), models.DocLimits{})
		mustInsert(t, d, "c",
			map[string]any{"_id": "a", "name": "first", "n": 1.0, "tag": "x"},
			map[string]any{"_id": "b", "name": "second", "n": 5.0, "tag": "x"},
		)
		get := func(id string) map[string]any {
			doc, err := d.FindOne(ctx, "c", map[string]any{"_id": id})
			if err != nil {
				t.Fatal(err)
			}
			return doc
		}
		// $set and $inc change the first match only.
		res, err := d.UpdateOne(ctx, "c", map[string]any{"tag": "x"}, models.DocUpdate{Set: map[string]any{"seen": true, "name": "one"}, Inc: map[string]float64{"n": 2, "visits": 1}})
		if err != nil || res != (models.DocUpdateResult{Matched: 1, Modified: 1}) {
			t.Fatalf("update: %+v %v", res, err)
		}
		if got, want := get("a"), map[string]any{"_id": "a", "name": "one", "n": 3.0, "tag": "x", "seen": true, "visits": 1.0}; !reflect.DeepEqual(got, want) {
			t.Fatalf("after $set/$inc: %v", got)
		}
		if get("b")["n"] != 5.0 {
			t.Fatal("the second match must not change")
		}
		// Nothing changes: modified 0.
		res, err = d.UpdateOne(ctx, "c", map[string]any{"_id": "a"}, models.DocUpdate{Set: map[string]any{"name": "one"}})
		if err != nil || res != (models.DocUpdateResult{Matched: 1}) {
			t.Fatalf("no-op update: %+v %v", res, err)
		}
		// Replacement keeps the _id.
		res, err = d.UpdateOne(ctx, "c", map[string]any{"_id": "b"}, models.DocUpdate{Replace: map[string]any{"only": "this"}})
		if err != nil || res.Modified != 1 {
			t.Fatalf("replace: %+v %v", res, err)
		}
		if got := get("b"); !reflect.DeepEqual(got, map[string]any{"_id": "b", "only": "this"}) {
			t.Fatalf("after replace: %v", got)
		}
		// No match, no upsert.
		res, err = d.UpdateOne(ctx, "c", map[string]any{"name": "nobody"}, models.DocUpdate{Set: map[string]any{"x": 1.0}})
		if err != nil || res != (models.DocUpdateResult{}) {
			t.Fatalf("no match: %+v %v", res, err)
		}
		// Upsert inserts the filter's fields plus the update.
		res, err = d.UpdateOne(ctx, "c", map[string]any{"user": 42.0, "gone": nil}, models.DocUpdate{Inc: map[string]float64{"count": 1}, Set: map[string]any{"at": "now"}, Upsert: true})
		if err != nil || res.UpsertedID == "" || res.Matched != 0 {
			t.Fatalf("upsert: %+v %v", res, err)
		}
		if got := get(res.UpsertedID); !reflect.DeepEqual(got, map[string]any{"_id": res.UpsertedID, "user": 42.0, "count": 1.0, "at": "now"}) {
			t.Fatalf("upserted: %v", got)
		}
		// The same upsert now matches and increments.
		res2, err := d.UpdateOne(ctx, "c", map[string]any{"user": 42.0}, models.DocUpdate{Inc: map[string]float64{"count": 1}, Upsert: true})
		if err != nil || res2.Matched != 1 || res2.UpsertedID != "" || get(res.UpsertedID)["count"] != 2.0 {
			t.Fatalf("second upsert: %+v %v", res2, err)
		}
		// An upsert with _id in the filter uses it; a replacement keeps only the _id.
		res, err = d.UpdateOne(ctx, "c", map[string]any{"_id": "fixed", "k": "v"}, models.DocUpdate{Replace: map[string]any{"r": 1.0}, Upsert: true})
		if err != nil || res.UpsertedID != "fixed" {
			t.Fatalf("upsert by _id: %+v %v", res, err)
		}
		if got := get("fixed"); !reflect.DeepEqual(got, map[string]any{"_id": "fixed", "r": 1.0}) {
			t.Fatalf("upserted replacement: %v", got)
		}
		// $inc on a non-number is refused; $set and $inc of one field too.
		_, err = d.UpdateOne(ctx, "c", map[string]any{"_id": "b"}, models.DocUpdate{Inc: map[string]float64{"only": 1}})
		if msg := docErrMessage(t, err); !strings.Contains(msg, "not a number") {
			t.Fatal(msg)
		}
		_, err = d.UpdateOne(ctx, "c", map[string]any{"_id": "b"}, models.DocUpdate{Set: map[string]any{"x": 1.0}, Inc: map[string]float64{"x": 1}})
		docErrMessage(t, err)
		// Delete removes the first match only.
		n, err := d.DeleteOne(ctx, "c", map[string]any{"_id": "a"})
		if err != nil || n != 1 {
			t.Fatalf("delete: %d %v", n, err)
		}
		n, err = d.DeleteOne(ctx, "c", map[string]any{"_id": "a"})
		if err != nil || n != 0 {
			t.Fatalf("delete again: %d %v", n, err)
		}
		// A duplicate _id is refused with a readable error.
		_, err = d.Insert(ctx, "c", map[string]any{"_id": "b"})
		if msg := docErrMessage(t, err); !strings.Contains(msg, "already exists") {
			t.Fatal(msg)
		}
	})
}

func TestDocumentQuotas(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		botID := seedBot(t, db)
		d := models.BotDocuments(db, botID, models.DocLimits{DocumentBytes: 200, Documents: 3, Bytes: 300, ResultBytes: 200})
		_, err := d.Insert(ctx, "c", map[string]any{"big": strings.Repeat("x", 300)})
		if msg := docErrMessage(t, err); !strings.Contains(msg, "at most 200 bytes") {
			t.Fatal(msg)
		}
		mustInsert(t, d, "c", map[string]any{"_id": "1", "v": strings.Repeat("a", 100)}, map[string]any{"_id": "2", "v": strings.Repeat("b", 100)})
		// Results per call.
		_, err = d.Find(ctx, "c", nil, models.DocFind{Limit: 10})
		if msg := docErrMessage(t, err); !strings.Contains(msg, "fewer") {
			t.Fatal(msg)
		}
		// Bytes per bot.
		_, err = d.Insert(ctx, "other", map[string]any{"v": strings.Repeat("c", 170)})
		if msg := docErrMessage(t, err); !strings.Contains(msg, "more than 300 bytes") {
			t.Fatal(msg)
		}
		// An update may not grow past the quota either.
		_, err = d.UpdateOne(ctx, "c", map[string]any{"_id": "1"}, models.DocUpdate{Set: map[string]any{"v": strings.Repeat("a", 190)}})
		docErrMessage(t, err)
		mustInsert(t, d, "c", map[string]any{"_id": "3"})
		// Documents per bot.
		_, err = d.Insert(ctx, "c", map[string]any{"_id": "4"})
		if msg := docErrMessage(t, err); !strings.Contains(msg, "already stores 3 documents") {
			t.Fatal(msg)
		}
		docs, size, err := models.DocumentUsage(ctx, db, botID)
		if err != nil || docs != 3 || size != 109*2+3 {
			t.Fatalf("usage: %d docs, %d bytes, %v", docs, size, err)
		}
		// Deleting gives the quota back.
		if _, err := d.DeleteOne(ctx, "c", map[string]any{"_id": "1"}); err != nil {
			t.Fatal(err)
		}
		mustInsert(t, d, "c", map[string]any{"_id": "4"})
		// Concurrent inserts never overshoot the quota.
		d2 := models.BotDocuments(db, seedBot(t, db), models.DocLimits{Documents: 5})
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := d2.Insert(ctx, "c", map[string]any{"i": float64(i)}); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				} else {
					var de *models.DocError
					if !errors.As(err, &de) {
						t.Errorf("concurrent insert: %v", err)
					}
				}
			}()
		}
		wg.Wait()
		if n, _ := d2.Count(ctx, "c", nil); ok != 5 || n != 5 {
			t.Fatalf("concurrent inserts: %d succeeded, %d stored, want 5", ok, n)
		}
	})
}

// TestDocumentsAreBotScoped: one bot's store never sees another's.
func TestDocumentsAreBotScoped(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a := models.BotDocuments(db, seedBot(t, db), models.DocLimits{})
		b := models.BotDocuments(db, seedBot(t, db), models.DocLimits{})
		mustInsert(t, a, "secrets", map[string]any{"_id": "k", "v": "a's"})
		if doc, _ := b.FindOne(ctx, "secrets", map[string]any{"_id": "k"}); doc != nil {
			t.Fatal("bot b sees bot a's document")
		}
		if n, _ := b.DeleteOne(ctx, "secrets", nil); n != 0 {
			t.Fatal("bot b deleted bot a's document")
		}
		res, _ := b.UpdateOne(ctx, "secrets", map[string]any{"_id": "k"}, models.DocUpdate{Set: map[string]any{"v": "b's"}})
		if res.Matched != 0 {
			t.Fatal("bot b updated bot a's document")
		}
		// b may use the same _id in its own collection.
		mustInsert(t, b, "secrets", map[string]any{"_id": "k", "v": "b's"})
		if doc, _ := a.FindOne(ctx, "secrets", map[string]any{"_id": "k"}); doc["v"] != "a's" {
			t.Fatalf("a's document changed: %v", doc)
		}
	})
}

func TestUsersCollection(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		botA, botB := seedBot(t, db), seedBot(t, db)
		now := models.Now()
		for i, u := range []models.BotUser{
			{BotID: botA, UserID: 101, Username: "ann", FirstName: "Ann", Name: "Ann", LanguageCode: "en", StartedAt: now.Add(-3 * time.Hour), LastSeenAt: now},
			{BotID: botA, UserID: 102, FirstName: "Bob", LastName: "B", Name: "Bob B", StartedAt: now.Add(-2 * time.Hour), LastSeenAt: now, Blocked: true},
			{BotID: botB, UserID: 101, Username: "ann_b", FirstName: "Ann", Name: "Ann", StartedAt: now, LastSeenAt: now},
		} {
			u := u
			if _, err := db.NewInsert().Model(&u).Exec(ctx); err != nil {
				t.Fatalf("user %d: %v", i, err)
			}
		}
		d := models.BotDocuments(db, botA, models.DocLimits{})
		find := func(f map[string]any) []string {
			t.Helper()
			docs, err := d.Find(ctx, "users", f, models.DocFind{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			return ids(docs)
		}
		if got := find(nil); !reflect.DeepEqual(got, []string{"101", "102"}) {
			t.Fatalf("all users: %v", got)
		}
		if got := find(map[string]any{"userId": 101.0}); !reflect.DeepEqual(got, []string{"101"}) {
			t.Fatalf("by userId: %v", got)
		}
		if got := find(map[string]any{"username": "ann"}); !reflect.DeepEqual(got, []string{"101"}) {
			t.Fatalf("by username: %v", got)
		}
		if got := find(map[string]any{"username": "ann_b"}); len(got) != 0 {
			t.Fatalf("another bot's user leaked: %v", got)
		}
		if got := find(map[string]any{"username": nil}); !reflect.DeepEqual(got, []string{"102"}) {
			t.Fatalf("username null: %v", got)
		}
		if got := find(map[string]any{"userId": "101"}); len(got) != 0 {
			t.Fatalf("a string never equals a number: %v", got)
		}
		if got := find(map[string]any{"blocked": true}); !reflect.DeepEqual(got, []string{"102"}) {
			t.Fatalf("blocked: %v", got)
		}
		doc, err := d.FindOne(ctx, "users", map[string]any{"_id": "101"})
		if err != nil || doc["username"] != "ann" || doc["userId"] != 101.0 || doc["lastName"] != nil || doc["languageCode"] != "en" {
			t.Fatalf("user document: %v %v", doc, err)
		}
		docs, err := d.Find(ctx, "users", nil, models.DocFind{Limit: 10, Sort: []models.DocSort{{Field: "startedAt", Desc: true}}})
		if err != nil || !reflect.DeepEqual(ids(docs), []string{"102", "101"}) {
			t.Fatalf("sorted: %v %v", ids(docs), err)
		}
		if n, err := d.Count(ctx, "users", nil); n != 2 || err != nil {
			t.Fatalf("count: %d %v", n, err)
		}
		_, err = d.Find(ctx, "users", map[string]any{"secret": 1.0}, models.DocFind{Limit: 1})
		docErrMessage(t, err)
		_, err = d.Insert(ctx, "users", map[string]any{"userId": 1.0})
		if msg := docErrMessage(t, err); !strings.Contains(msg, "read-only") {
			t.Fatal(msg)
		}
		_, err = d.UpdateOne(ctx, "users", nil, models.DocUpdate{Set: map[string]any{"blocked": false}})
		docErrMessage(t, err)
		_, err = d.DeleteOne(ctx, "users", nil)
		docErrMessage(t, err)
	})
}

func TestCodeVersions(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		botID := seedBot(t, db)
		for i := 1; i <= models.CodeVersionsKept+5; i++ {
			v := &models.CodeVersion{BotID: botID, Source: fmt.Sprintf("// v%d", i), Handlers: []string{"h"}, CreatedAt: models.Now()}
			ok, err := models.AddCodeVersion(ctx, db, v, nil)
			if err != nil || !ok || v.Version != i {
				t.Fatalf("version %d: ok=%v version=%d err=%v", i, ok, v.Version, err)
			}
		}
		versions, total, err := models.ListCodeVersions(ctx, db, botID, models.Window{Limit: 20})
		if err != nil || total != models.CodeVersionsKept || versions[0].Version != models.CodeVersionsKept+5 || versions[0].Source != "" {
			t.Fatalf("list: total %d, first %+v, %v", total, versions[0], err)
		}
		if _, err := models.CodeVersionByNumber(ctx, db, botID, 5); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("pruned version: %v", err)
		}
		v, err := models.CodeVersionByNumber(ctx, db, botID, 6)
		if err != nil || v.Source != "// v6" || !reflect.DeepEqual(v.Handlers, []string{"h"}) {
			t.Fatalf("oldest kept: %+v %v", v, err)
		}
		stale := 3
		ok, err := models.AddCodeVersion(ctx, db, &models.CodeVersion{BotID: botID, Source: "x", CreatedAt: models.Now()}, &stale)
		if ok || err != nil {
			t.Fatalf("a stale base must not save: %v %v", ok, err)
		}
		version, _, err := models.BotCodeVersion(ctx, db, botID)
		if err != nil || version != models.CodeVersionsKept+5 {
			t.Fatalf("bot code version: %d %v", version, err)
		}
	})
}
