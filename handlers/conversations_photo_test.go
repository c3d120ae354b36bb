package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// TestSendAnUploadedPhoto: the composer (a multipart form with the image)
// and the API (an upload id) send a photo with its caption through the
// outbox as a person waiting; it is recorded in the conversation like text,
// with the file id Telegram gave it so the page shows the picture. The
// bytes go to Telegram once; the next send of the same upload is by file id.
func TestSendAnUploadedPhoto(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "photos@example.com")
		bot := env.ConnectBot(t, c, "photo_answer_bot")
		ann := env.Telegram.AddUser(telegramtest.UserSpec{ID: 7301, FirstName: "Ann"})
		say(t, env, bot, ann, "a picture of the menu, please")
		path := userPath(bot, ann) + "/messages"

		// The API: an upload id, a formatted caption.
		up := upload(t, c, "menu.png", pngBytes).Expect(t, http.StatusCreated).Data(t)
		m := c.Post(t, path, map[string]any{"photo": up["id"], "text": "<b>Menu</b> of the day", "parseMode": "HTML"}).
			Expect(t, http.StatusCreated).Data(t)
		if m["kind"] != "photo" || m["text"] != "<b>Menu</b> of the day" || m["via"] != "dashboard" || m["error"] != nil ||
			m["telegramMessageId"] == nil {
			t.Fatalf("sent: %v", m)
		}
		sent := env.Telegram.SentMessagesTo(bot.Fake.Token, ann.ID)
		if len(sent) != 1 || len(sent[0].Message.Photo) == 0 || sent[0].Message.Caption != "Menu of the day" ||
			!strings.Contains(string(sent[0].Params["photo"]), "attach://") || env.Telegram.CallCount(bot.Fake.Token, "sendPhoto") != 1 {
			t.Fatalf("the fake received %+v", sent)
		}
		var om models.OutboxMessage
		if err := env.App.DB.NewSelect().Model(&om).Where("bot_id = ?", bot.ID).Where("origin = ?", outbox.OriginDashboard).
			Scan(context.Background()); err != nil || om.Priority != outbox.PriorityPerson || om.UploadID != up["id"] || om.Method != "sendPhoto" {
			t.Fatalf("outbox row %+v (%v)", om, err)
		}
		// Recorded like text, with the picture shown through the proxy.
		got := c.Get(t, path+"?limit=1").Expect(t, http.StatusOK).List(t)[0].(map[string]any)
		if got["id"] != m["id"] || got["kind"] != "photo" || got["photoUrl"] == nil {
			t.Fatalf("recorded: %v", got)
		}
		if img := c.Get(t, got["photoUrl"].(string)).Expect(t, http.StatusOK); !strings.HasPrefix(img.Header.Get("Content-Type"), "image/") {
			t.Fatalf("photo proxy: %s", img.Header)
		}

		// The same upload again goes by the file id Telegram gave the bot.
		c.Post(t, path, map[string]any{"photo": up["id"]}).Expect(t, http.StatusCreated)
		sent = env.Telegram.SentMessagesTo(bot.Fake.Token, ann.ID)
		if len(sent) != 2 || strings.Contains(string(sent[1].Params["photo"]), "attach://") || sent[1].Message.Caption != "" {
			t.Fatalf("second send: %+v", sent[1])
		}

		// The composer: a multipart form with the image and a caption.
		page := "/bots/" + bot.ID + "/users/" + strconv.FormatInt(ann.ID, 10) + "/messages"
		res := postMultipart(t, c, page, url.Values{"text": {"Fresh from the oven"}, "parseMode": {""}}, "bread.png", pngBytes)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("composer: %d %s", res.StatusCode, res.Text())
		}
		sent = env.Telegram.SentMessagesTo(bot.Fake.Token, ann.ID)
		if len(sent) != 3 || sent[2].Message.Caption != "Fresh from the oven" || !strings.Contains(string(sent[2].Params["photo"]), "attach://") {
			t.Fatalf("the composer's photo: %+v", sent)
		}
		got = c.Get(t, path+"?limit=1").Expect(t, http.StatusOK).List(t)[0].(map[string]any)
		if got["kind"] != "photo" || got["text"] != "Fresh from the oven" || got["photoUrl"] == nil || got["via"] != "dashboard" {
			t.Fatalf("the composer's photo recorded: %v", got)
		}
		// Through htmx the composer comes back empty.
		res = postMultipart(t, c.WithHeader("HX-Request", "true"), page, url.Values{"text": {"and this"}}, "b.png", pngBytes)
		if res.StatusCode != http.StatusCreated || !strings.Contains(res.Text(), `id="composer"`) || strings.Contains(res.Text(), "and this") {
			t.Fatalf("htmx composer: %d %s", res.StatusCode, res.Text())
		}

		// Bad photos: another account's upload, a document, a file that is
		// no image at all; nothing reaches Telegram.
		other := env.SignUp(t, "other-photos@example.com")
		theirs := upload(t, other, "x.png", pngBytes).Expect(t, http.StatusCreated).Data(t)
		pdf := upload(t, c, "menu.pdf", []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj\n")).Expect(t, http.StatusCreated).Data(t)
		before := env.Telegram.CallCount(bot.Fake.Token, "sendPhoto")
		for _, id := range []any{theirs["id"], pdf["id"], "upl_" + strings.Repeat("a", 24)} {
			if f := c.Post(t, path, map[string]any{"photo": id}).Expect(t, http.StatusUnprocessableEntity).Fields(t); f["photo"] == nil {
				t.Fatalf("photo %v: fields %v", id, f)
			}
		}
		uploads := func() int {
			n, err := env.App.DB.NewSelect().Model((*models.Upload)(nil)).Count(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		kept := uploads()
		res = postMultipart(t, c, page, url.Values{"text": {"x"}}, "notes.txt", []byte("just some text"))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text(), "The photo is not an image") {
			t.Fatalf("a text file as the photo: %d", res.StatusCode)
		}
		if uploads() != kept {
			t.Fatal("a refused file was stored as an upload")
		}
		res = postMultipart(t, c, page, url.Values{"text": {strings.Repeat("x", 1025)}}, "b.png", pngBytes)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text(), "1024") {
			t.Fatalf("a caption too long: %d", res.StatusCode)
		}
		if n := env.Telegram.CallCount(bot.Fake.Token, "sendPhoto"); n != before {
			t.Fatalf("%d more sendPhoto calls for refused photos", n-before)
		}
		// Another account cannot send to this conversation with its upload.
		other.Post(t, path, map[string]any{"photo": theirs["id"]}).Expect(t, http.StatusNotFound)
	}, apptest.Webhooks(), apptest.Workers())
}
