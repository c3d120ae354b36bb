package handlers_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

// Page weight budgets: what a browser downloads for a page on a cold cache
// (the HTML as the server compresses it, plus the CSS and scripts it links,
// as served) — every list page within 40 KB, the code editor within 200 KB.
const (
	listPageBudget   = 40 << 10
	editorPageBudget = 200 << 10
)

// browserEncodings is what Chromium and Firefox send.
const browserEncodings = "gzip, deflate, br, zstd"

var assetRef = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

func TestPagesStayWithinTheirWeightBudget(t *testing.T) {
	env := apptest.Start(t, "sqlite") // weight does not depend on the database
	owner := env.SignUp(t, "weight@example.com")
	bot := env.ConnectBot(t, owner, "weight_bot")
	// A full first page of users with long names: the users page at its heaviest.
	var users []models.BotUser
	now := models.Now()
	for i := 0; i < 120; i++ {
		users = append(users, models.BotUser{UserID: int64(5000 + i), FirstName: fmt.Sprintf("Reader number %d", i),
			LastName: "Longsurname-Example", Username: fmt.Sprintf("reader_%d", i), LanguageCode: "en",
			StartedAt: now.Add(-time.Duration(i) * time.Hour)})
	}
	seedBotUsers(t, env, bot.ID, users...)

	assetSize := map[string]int{}
	weigh := func(path string) (html int, total int) {
		res := owner.Get(t, path, "Accept-Encoding", browserEncodings).Expect(t, http.StatusOK)
		if enc := res.Header.Get("Content-Encoding"); enc != "zstd" && enc != "gzip" {
			t.Fatalf("%s: served without compression (Content-Encoding %q)", path, enc)
		}
		html, total = len(res.Body), len(res.Body)
		// The HTML is compressed, so the asset links are read from an
		// uncompressed copy of the same page.
		plain := owner.Get(t, path, "Accept-Encoding", "identity").Expect(t, http.StatusOK)
		for _, m := range assetRef.FindAllStringSubmatch(plain.Text(), -1) {
			ref := strings.ReplaceAll(m[1], "&amp;", "&")
			if _, ok := assetSize[ref]; !ok {
				a := env.Client().Get(t, ref, "Accept-Encoding", browserEncodings).Expect(t, http.StatusOK)
				assetSize[ref] = len(a.Body)
			}
			total += assetSize[ref]
		}
		return html, total
	}

	lists := []string{"/bots", "/bots/" + bot.ID, "/bots/" + bot.ID + "/users", "/bots/" + bot.ID + "/broadcasts",
		"/bots/" + bot.ID + "/stats", "/bots/" + bot.ID + "/logs", "/bots/" + bot.ID + "/chats", "/campaigns",
		"/account/api-keys", "/notifications"}
	for _, path := range lists {
		html, total := weigh(path)
		t.Logf("%-45s html %6d B, with assets %6d B", path, html, total)
		if total > listPageBudget {
			t.Errorf("%s weighs %d bytes compressed with its assets; the budget is %d", path, total, listPageBudget)
		}
	}
	editor := "/bots/" + bot.ID + "/code"
	html, total := weigh(editor)
	t.Logf("%-45s html %6d B, with assets %6d B", editor, html, total)
	if total > editorPageBudget {
		t.Errorf("%s weighs %d bytes compressed with its assets; the budget is %d", editor, total, editorPageBudget)
	}
}

func TestEventStreamsAreNotCompressed(t *testing.T) {
	env := apptest.Start(t, "sqlite") // weight does not depend on the database
	owner := env.SignUp(t, "stream-enc@example.com")
	s := owner.Stream(t, "/api/events", "Accept-Encoding", browserEncodings)
	defer s.Close()
	if enc := s.Header().Get("Content-Encoding"); enc != "" {
		t.Fatalf("event stream served with Content-Encoding %q: a compressor would hold frames back", enc)
	}
	s.Next(t) // the first frame arrives, readable as plain text
}
