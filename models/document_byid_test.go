package models_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// TestDocumentFindByID: a filter that is exactly {_id} takes the fixed,
// parameterised statement (document_byid.go) and answers as the general
// path does: the document, nothing for another collection or a missing id,
// an empty list from find, a refusal for a NUL, also inside a transaction.
func TestDocumentFindByID(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bot := seedBot(t, db)
		d := models.BotDocuments(db, bot, models.DocLimits{})
		mustInsert(t, d, "items", map[string]any{"_id": "a'; --", "n": 1.0, "tags": []any{"x"}}, map[string]any{"_id": "b", "n": 2.0})
		mustInsert(t, d, "other", map[string]any{"_id": "b", "n": 3.0})
		doc, err := d.FindOne(ctx, "items", models.DocFilter{"_id": "a'; --"})
		if err != nil || !reflect.DeepEqual(doc, map[string]any{"_id": "a'; --", "n": 1.0, "tags": []any{"x"}}) {
			t.Fatalf("findOne: %v %v", doc, err)
		}
		if doc, err := d.FindOne(ctx, "other", models.DocFilter{"_id": "b"}); err != nil || doc["n"] != 3.0 {
			t.Fatalf("findOne in another collection: %v %v", doc, err)
		}
		if doc, err := d.FindOne(ctx, "items", models.DocFilter{"_id": "zz"}); err != nil || doc != nil {
			t.Fatalf("missing: %v %v", doc, err)
		}
		docs, err := d.Find(ctx, "items", models.DocFilter{"_id": "zz"}, models.DocFind{Limit: 10})
		if err != nil || docs == nil || len(docs) != 0 {
			t.Fatalf("find missing: %#v %v", docs, err)
		}
		if docs, err := d.Find(ctx, "items", models.DocFilter{"_id": "b"}, models.DocFind{Skip: 1}); err != nil || len(docs) != 0 {
			t.Fatalf("find skipping the one match: %v %v", docs, err)
		}
		if _, err := d.FindOne(ctx, "items", models.DocFilter{"_id": "a\x00"}); err == nil {
			t.Fatal("a NUL in the id was accepted")
		}
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			doc, err := models.BotDocuments(tx, bot, models.DocLimits{}).FindOne(ctx, "items", models.DocFilter{"_id": "b"})
			if err != nil || doc["n"] != 2.0 {
				t.Fatalf("in a transaction: %v %v", doc, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
