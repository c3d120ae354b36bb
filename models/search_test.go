package models_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/models"
)

// searchPeople are names in several scripts, and the searches (in other
// cases, with or without accents) that must find each.
var searchPeople = []struct {
	first, last, username string
	finds                 []string
}{
	{"Андрей", "Власов", "", []string{"Андрей", "андрей", "АНДРЕЙ", "А", "влас", "ВЛАСОВ"}},
	{"Αλέξανδρος", "Παπαδόπουλος", "", []string{"ΑΛΕΞ", "αλεξ", "Παπαδοπουλος", "πα"}},
	{"İbrahim", "Yılmaz", "", []string{"ibrahim", "İBRAHİM", "İbra", "yilmaz", "YILMAZ"}},
	{"Jürgen", "Groß", "", []string{"GROSS", "groß", "jurgen", "JÜRGEN", "gr"}},
	{"محمد", "العلي", "", []string{"محمد", "مُحَمَّد", "العلي"}},
	{"王", "小明", "", []string{"小明", "王", "明"}},
	{"Ann", "Lee", "ann_lee", []string{"ANN_L", "Lee", "nn_l"}},
}

func TestSearchFindsAnyLanguageInAnyCase(t *testing.T) {
	dbtest.EachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		botID := seedBot(t, db)
		now := models.Now()
		users := make([]*models.BotUser, len(searchPeople))
		for i, p := range searchPeople {
			users[i] = &models.BotUser{BotID: botID, UserID: int64(100 + i), FirstName: p.first, LastName: p.last, Username: p.username,
				Name: models.FullName(p.first, p.last), StartedAt: now, LastSeenAt: now}
		}
		if _, err := models.InsertBotUsersIfNew(ctx, db, users); err != nil {
			t.Fatal(err)
		}
		search := func(q string) []string {
			rows, _, err := models.ListBotUsers(ctx, db, botID, models.BotUserFilter{Q: q}, models.Window{Limit: 50}, models.PlanAuto)
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			var names []string
			for _, r := range rows {
				names = append(names, r.Name)
			}
			sort.Strings(names)
			return names
		}
		for _, p := range searchPeople {
			want := models.FullName(p.first, p.last)
			for _, q := range p.finds {
				if got := search(q); !contains(got, want) {
					t.Errorf("%q does not find %q (found %v)", q, want, got)
				}
			}
		}
		if got := search("Влад"); len(got) != 0 {
			t.Errorf("a name nobody has found %v", got)
		}
		// Short searches are the start of a word: "ла" is inside Власов, not at a start.
		if got := search("ла"); len(got) != 0 {
			t.Errorf("ла found %v", got)
		}

		// A renamed user is found under the new name (the key follows updates).
		users[0].FirstName, users[0].Name = "Борис", "Борис Власов"
		if err := models.UpdateBotUserProfile(ctx, db, users[0]); err != nil {
			t.Fatal(err)
		}
		if got := search("борис"); !contains(got, "Борис Власов") || contains(search("андрей"), "Борис Власов") {
			t.Errorf("after a rename: %v", got)
		}

		// Bots and campaigns are searched the same way.
		b, err := models.BotByID(ctx, db, botID)
		if err != nil {
			t.Fatal(err)
		}
		b.Name = "Übersetzer Straße"
		if err := models.UpdateBotColumns(ctx, db, b, "name"); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"STRASSE", "übersetzer", "UBERS"} {
			bots, n, err := models.ListBots(ctx, db, b.OwnerID, models.BotFilter{Q: q}, models.Window{Limit: 10})
			if err != nil || n != 1 || len(bots) != 1 {
				t.Errorf("bot search %q: %d %v", q, n, err)
			}
		}
		c := &models.Campaign{ID: models.NewID("cmp"), BotID: botID, ChatID: -100123, ChatTitle: "Ελληνικά νέα", Name: "Весна",
			Status: models.CampaignActive, CreatedAt: now, UpdatedAt: now}
		if err := models.InsertCampaign(ctx, db, c); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"ВЕСНА", "ελληνικα", "ΝΕΑ"} {
			list, n, err := models.ListCampaigns(ctx, db, b.OwnerID, models.CampaignFilter{Q: q}, models.Window{Limit: 10})
			if err != nil || n != 1 || len(list) != 1 {
				t.Errorf("campaign search %q: %d %v", q, n, err)
			}
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
