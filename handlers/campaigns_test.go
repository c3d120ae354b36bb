package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// campaignWorld is an owner with a bot that administers a supergroup.
type campaignWorld struct {
	env   *apptest.Env
	owner *apptest.Client
	bot   apptest.Bot
	chat  telego.Chat
	admin telego.User // the chat's owner, who promotes the bot
}

func newCampaignWorld(t *testing.T, env *apptest.Env) *campaignWorld {
	t.Helper()
	w := &campaignWorld{env: env, owner: env.SignUp(t, "campaigner@example.com")}
	w.bot = env.ConnectBot(t, w.owner, "greeter_bot")
	// Greetings only: a new bot's starter replies would also answer /start.
	if _, err := env.App.DB.NewDelete().Model((*models.Reply)(nil)).Where("bot_id = ?", w.bot.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.admin = env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Chat", LastName: "Owner"})
	w.chat = env.Telegram.AddChat(telegramtest.ChatSpec{Type: telego.ChatTypeSupergroup, Title: "Fans of Go", Owner: &w.admin})
	w.promote(t, true)
	return w
}

// promote pushes the my_chat_member update Telegram sends when the bot is
// promoted (or demoted), and updates the fake's state to match.
func (w *campaignWorld) promote(t *testing.T, admin bool) {
	t.Helper()
	me := w.bot.Fake.User()
	rights := telegramtest.DefaultAdminRights(w.chat.Type)
	var old, cur telego.ChatMember = telegramtest.Member(me), telegramtest.Admin(me, rights)
	if admin {
		w.env.Telegram.SetBotAdmin(w.bot.Fake.Token, w.chat.ID, rights)
	} else {
		old, cur = cur, old
		w.env.Telegram.SetBotMember(w.bot.Fake.Token, w.chat.ID)
	}
	w.push(t, telegramtest.MyChatMemberUpdate(w.chat, w.admin, old, cur))
}

func (w *campaignWorld) push(t *testing.T, u telego.Update) {
	t.Helper()
	res, err := w.env.Telegram.Push(w.bot.Fake.Token, u)
	if err != nil || !res.Delivered {
		t.Fatalf("push %s: %+v %v", res.Kind, res, err)
	}
	w.env.Process(t)
}

func (w *campaignWorld) create(t *testing.T, name string, joinRequest bool) map[string]any {
	t.Helper()
	return w.owner.Post(t, "/api/campaigns", map[string]any{"botId": w.bot.ID, "chatId": w.chat.ID, "name": name,
		"greeting": "Hi {first_name}, welcome to {chat_title}!", "joinRequest": joinRequest}).Expect(t, http.StatusCreated).Data(t)
}

func (w *campaignWorld) link(t *testing.T, c map[string]any) *telego.ChatInviteLink {
	t.Helper()
	_, l, ok := w.env.Telegram.InviteLink(c["inviteLink"].(string))
	if !ok {
		t.Fatalf("the fake does not know link %v", c["inviteLink"])
	}
	return &l
}

// greetings are the campaign greetings the bot sent to a user (who may
// also have had the bot's answer to their /start).
func (w *campaignWorld) greetings(userID int64) []telegramtest.SentMessage {
	var out []telegramtest.SentMessage
	for _, m := range w.env.Telegram.SentMessagesTo(w.bot.Fake.Token, userID) {
		if strings.HasPrefix(m.Text, "Hi ") {
			out = append(out, m)
		}
	}
	return out
}

func (w *campaignWorld) greet(t *testing.T) {
	t.Helper()
	if _, err := w.env.App.Outbox.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.env.App.Greeter.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.env.Process(t) // an approval makes Telegram push a chat_member update
}

// waitJoined waits for the chat_member update Telegram pushes after an
// approval (asynchronously) and processes it.
func (w *campaignWorld) waitJoined(t *testing.T, campaignID string, userID int64) {
	t.Helper()
	apptest.Eventually(t, 5*time.Second, "the join after approval", func() bool {
		w.env.App.Outbox.SendDue(context.Background()) //nolint:errcheck
		w.env.App.Greeter.RunDue(context.Background()) //nolint:errcheck
		w.env.Process(t)
		l := w.lead(t, campaignID, userID)
		return l != nil && l["status"] == "joined"
	})
}

func (w *campaignWorld) campaign(t *testing.T, id string) map[string]any {
	t.Helper()
	return w.owner.Get(t, "/api/campaigns/"+id).Expect(t, http.StatusOK).Data(t)
}

func (w *campaignWorld) lead(t *testing.T, campaignID string, userID int64) map[string]any {
	t.Helper()
	for _, l := range w.owner.Get(t, "/api/campaigns/"+campaignID+"/leads?limit=100").Expect(t, http.StatusOK).List(t) {
		if m := l.(map[string]any); int64(m["userId"].(float64)) == userID {
			return m
		}
	}
	return nil
}

func counts(c map[string]any) string {
	return fmt.Sprintf("joins=%v leaves=%v members=%v requests=%v", c["joins"], c["leaves"], c["members"], c["requests"])
}

func TestCampaignCreateAndPicker(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		chats := w.owner.Get(t, "/api/bots/"+w.bot.ID+"/chats").Expect(t, http.StatusOK).List(t)
		if len(chats) != 1 || int64(chats[0].(map[string]any)["chatId"].(float64)) != w.chat.ID {
			t.Fatalf("the picker lists the admin chat: %v", chats)
		}
		other := env.Telegram.AddChat(telegramtest.ChatSpec{Type: telego.ChatTypeSupergroup, Title: "Not admin here"})
		res := w.owner.Post(t, "/api/campaigns", map[string]any{"botId": w.bot.ID, "chatId": other.ID, "name": "x"}).Expect(t, http.StatusUnprocessableEntity)
		if res.ErrorCode(t) != "chat_not_admin" || res.Fields(t)["chatId"] == nil {
			t.Fatalf("a chat the bot does not administer: %s", res.Body)
		}
		w.owner.Post(t, "/api/campaigns", map[string]any{"botId": w.bot.ID, "chatId": w.chat.ID}).Expect(t, http.StatusUnprocessableEntity)

		c := w.create(t, "A campaign with a name longer than thirty-two characters", false)
		if c["status"] != "active" || c["chatTitle"] != "Fans of Go" || !strings.HasPrefix(c["inviteLink"].(string), "https://t.me/+") {
			t.Fatalf("campaign: %v", c)
		}
		if l := w.link(t, c); l.Name != "A campaign with a name longer th" || l.CreatesJoinRequest {
			t.Fatalf("a named link, name cut to 32 characters: %+v", l)
		}
		res = w.owner.Post(t, "/api/campaigns", map[string]any{"botId": w.bot.ID, "chatId": w.chat.ID, "name": "Second"}).Expect(t, http.StatusConflict)
		if res.ErrorCode(t) != "chat_already_tracked" {
			t.Fatalf("second campaign for the chat: %s", res.Body)
		}
		chats = w.owner.Get(t, "/api/bots/"+w.bot.ID+"/chats").List(t)
		if tracked, _ := chats[0].(map[string]any)["trackedBy"].(map[string]any); len(chats) != 1 || tracked["id"] != c["id"] || tracked["name"] != c["name"] {
			t.Fatalf("a tracked chat is listed with its campaign: %v", chats)
		}
		if frag := w.owner.Get(t, "/bots/"+w.bot.ID+"/chats", "HX-Request", "true").Text(); !strings.Contains(frag, "disabled") ||
			!strings.Contains(frag, "tracked by") || strings.Contains(frag, "not an administrator of any group") {
			t.Fatalf("the picker shows the tracked chat disabled, with its campaign")
		}
		// The same error on the form, with the input kept.
		page := w.owner.Post(t, "/campaigns", url.Values{"botId": {w.bot.ID}, "chatId": {fmt.Sprint(w.chat.ID)}, "name": {"Typed name"}}).
			Expect(t, http.StatusConflict).Text()
		if !strings.Contains(page, "already tracked") || !strings.Contains(page, `value="Typed name"`) {
			t.Fatal("the form shows chat_already_tracked and keeps the input")
		}

		// Archive: the link is revoked and the chat can be picked again.
		a := w.owner.Post(t, "/api/campaigns/"+c["id"].(string)+"/archive", nil).Expect(t, http.StatusOK).Data(t)
		if a["status"] != "archived" || !w.link(t, c).IsRevoked {
			t.Fatalf("archive revokes the link: %v", a)
		}
		if chats := w.owner.Get(t, "/api/bots/"+w.bot.ID+"/chats").List(t); len(chats) != 1 || chats[0].(map[string]any)["trackedBy"] != nil {
			t.Fatal("an archived campaign frees its chat")
		}
		w.create(t, "Second round", false)
	}, apptest.Webhooks())
}

func TestCampaignTracksLinkJoinsLeavesAndRejoins(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		c := w.create(t, "Spring", false)
		id, link := c["id"].(string), w.link(t, c)

		fan := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Fan", Username: "fan1"})
		w.push(t, telegramtest.MessageUpdate(fan, "/start")) // has started the bot: can be greeted
		stranger := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Stranger"})

		w.push(t, telegramtest.JoinUpdate(w.chat, fan, link, false))
		w.push(t, telegramtest.JoinUpdate(w.chat, stranger, link, false))
		w.greet(t)
		if got := counts(w.campaign(t, id)); got != "joins=2 leaves=0 members=2 requests=0" {
			t.Fatalf("after two link joins: %s", got)
		}
		sent := w.greetings(fan.ID)
		if len(sent) != 1 || sent[0].Text != "Hi Fan, welcome to Fans of Go!" {
			t.Fatalf("the greeting goes to a joiner who started the bot: %+v", sent)
		}
		if l := w.lead(t, id, fan.ID); l["greetedAt"] == nil || l["via"] != "invite_link" || l["status"] != "joined" {
			t.Fatalf("fan lead: %v", l)
		}
		if l := w.lead(t, id, stranger.ID); l["greetedAt"] != nil || len(w.greetings(stranger.ID)) != 0 {
			t.Fatalf("greetedAt records only what was really sent: %v", l)
		}

		// Joins without a link, or through someone else's link, are "other joins".
		walkIn := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "WalkIn"})
		w.push(t, telegramtest.JoinUpdate(w.chat, walkIn, nil, false))
		foreign := &telego.ChatInviteLink{InviteLink: "https://t.me/+someoneElse...", Creator: w.admin}
		w.push(t, telegramtest.JoinUpdate(w.chat, env.Telegram.AddUser(telegramtest.UserSpec{}), foreign, false))
		got := w.campaign(t, id)
		if got["otherJoins"] != 2.0 || got["joins"] != 2.0 {
			t.Fatalf("other joins: %v, joins %v", got["otherJoins"], got["joins"])
		}

		// Leaving, then re-joining through the link, reopens the lead.
		w.push(t, telegramtest.LeaveUpdate(w.chat, fan))
		if l := w.lead(t, id, fan.ID); l["status"] != "left" || l["leftAt"] == nil {
			t.Fatalf("after leaving: %v", l)
		}
		if got := counts(w.campaign(t, id)); got != "joins=2 leaves=1 members=1 requests=0" {
			t.Fatalf("after a leave: %s", got)
		}
		w.push(t, telegramtest.JoinUpdate(w.chat, fan, link, false))
		w.greet(t)
		if l := w.lead(t, id, fan.ID); l["status"] != "joined" || l["leftAt"] != nil {
			t.Fatalf("a re-join reopens the lead: %v", l)
		}
		if len(w.greetings(fan.ID)) != 1 {
			t.Fatal("nobody is greeted twice")
		}
		full := w.campaign(t, id)
		if counts(full) != "joins=3 leaves=1 members=2 requests=0" || len(full["daily"].([]any)) != 30 {
			t.Fatalf("after a re-join: %s, %d days", counts(full), len(full["daily"].([]any)))
		}
		today := full["daily"].([]any)[29].(map[string]any)
		if today["joins"] != 3.0 || today["leaves"] != 1.0 {
			t.Fatalf("today's series: %v", today)
		}
		csv := w.owner.Get(t, "/api/campaigns/"+id+"/leads.csv?status=joined").Expect(t, http.StatusOK)
		if lines := strings.Split(strings.TrimSpace(csv.Text()), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "userId,") {
			t.Fatalf("CSV of joined leads: %q", csv.Text())
		}
	}, apptest.Webhooks())
}

func TestJoinRequestCampaign(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		c := w.create(t, "Gate", true)
		id, link := c["id"].(string), w.link(t, c)
		if !link.CreatesJoinRequest {
			t.Fatal("join-request mode makes a link that creates join requests")
		}
		asker := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Asker"})
		w.push(t, telegramtest.ChatJoinRequestUpdate(w.chat, asker, link))
		if l := w.lead(t, id, asker.ID); l["status"] != "pending" || l["via"] != "join_request" || l["requestedAt"] == nil {
			t.Fatalf("a request makes a pending lead: %v", l)
		}
		w.greet(t) // greets through user_chat_id, approves, Telegram pushes the join
		if msgs := w.greetings(asker.ID); len(msgs) != 1 {
			t.Fatalf("the requester is greeted (they never started the bot): %+v", msgs)
		}
		decisions := env.Telegram.JoinRequestDecisions(w.bot.Fake.Token)
		if len(decisions) != 1 || !decisions[0].Approved {
			t.Fatalf("the request is approved: %+v", decisions)
		}
		w.waitJoined(t, id, asker.ID)
		l := w.lead(t, id, asker.ID)
		if l["status"] != "joined" || l["greetedAt"] == nil || l["via"] != "join_request" {
			t.Fatalf("after approval the lead joined: %v", l)
		}
		got := w.campaign(t, id)
		if counts(got) != "joins=1 leaves=0 members=1 requests=1" || got["requestConversion"] != 1.0 {
			t.Fatalf("request → join: %s conversion=%v", counts(got), got["requestConversion"])
		}

		// A greeting Telegram refuses is logged, not retried forever; the
		// request is still approved.
		blocked := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Closed"})
		env.Telegram.SetBlocked(w.bot.Fake.Token, blocked.ID, true)
		w.push(t, telegramtest.ChatJoinRequestUpdate(w.chat, blocked, link))
		w.greet(t)
		w.greet(t)
		w.waitJoined(t, id, blocked.ID)
		l = w.lead(t, id, blocked.ID)
		if l["greetedAt"] != nil || l["greetingError"] == "" || l["status"] != "joined" {
			t.Fatalf("refused greeting: %v", l)
		}
		n, _ := env.App.DB.NewSelect().Model((*models.BotLog)(nil)).Where("bot_id = ?", w.bot.ID).Where("source = ?", models.SourceCampaign).Count(context.Background())
		if n != 1 {
			t.Fatalf("the refusal is logged once, got %d entries", n)
		}
		// A request through someone else's link is not ours to handle.
		w.push(t, telegramtest.ChatJoinRequestUpdate(w.chat, env.Telegram.AddUser(telegramtest.UserSpec{}), &telego.ChatInviteLink{InviteLink: "https://t.me/+other...", Creator: w.admin, CreatesJoinRequest: true}))
		if got := w.campaign(t, id); got["requests"] != 2.0 {
			t.Fatalf("foreign requests are not counted: %v", got["requests"])
		}
	}, apptest.Webhooks())
}

func TestDemotionWarnsAndPromotionClears(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		c := w.create(t, "Watched", false)
		w.promote(t, false)
		bot := w.owner.Get(t, "/api/bots/"+w.bot.ID).Data(t)
		if bot["status"] != "warning" || !strings.Contains(bot["statusReason"].(string), "Fans of Go") {
			t.Fatalf("demotion puts the bot in warning with the reason: %v", bot)
		}
		if got := w.campaign(t, c["id"].(string)); got["warning"] == "" {
			t.Fatal("the campaign says so too")
		}
		if page := w.owner.Get(t, "/campaigns/"+c["id"].(string)).Text(); !strings.Contains(page, "no longer an administrator") {
			t.Fatal("the campaign page shows the warning")
		}
		w.promote(t, true)
		if bot := w.owner.Get(t, "/api/bots/"+w.bot.ID).Data(t); bot["status"] != "active" || bot["statusReason"] != "" {
			t.Fatalf("promotion back clears it: %v", bot)
		}
		if got := w.campaign(t, c["id"].(string)); got["warning"] != "" {
			t.Fatal("and the campaign's warning")
		}
	}, apptest.Webhooks())
}

func TestDisconnectKeepsCampaignsAndRestoreBringsThemBack(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		c := w.create(t, "Kept", false)
		w.push(t, telegramtest.JoinUpdate(w.chat, env.Telegram.AddUser(telegramtest.UserSpec{}), w.link(t, c), false))
		w.owner.Delete(t, "/api/bots/"+w.bot.ID).Expect(t, http.StatusOK)
		if got := w.campaign(t, c["id"].(string)); got["joins"] != 1.0 || got["status"] != "active" {
			t.Fatalf("a disconnected bot's campaign stays: %v", got)
		}
		if !strings.Contains(w.owner.Get(t, "/campaigns/"+c["id"].(string)).Text(), "bot is disconnected") {
			t.Fatal("its page says the bot is disconnected")
		}
		w.owner.Post(t, "/api/bots", map[string]string{"token": w.bot.Fake.Token}).Expect(t, http.StatusOK)
		list := w.owner.Get(t, "/api/campaigns?botId="+w.bot.ID).List(t)
		if len(list) != 1 || list[0].(map[string]any)["joins"] != 1.0 {
			t.Fatalf("restoring the bot brings its campaigns back: %v", list)
		}
	}, apptest.Webhooks())
}

func TestCampaignListFilters(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		first := w.create(t, "Autumn promo", false)
		w.owner.Post(t, "/api/campaigns/"+first["id"].(string)+"/archive", nil).Expect(t, http.StatusOK)
		w.create(t, "Winter promo", false)
		names := func(q string) string {
			var out []string
			for _, c := range w.owner.Get(t, "/api/campaigns"+q).Expect(t, http.StatusOK).List(t) {
				out = append(out, c.(map[string]any)["name"].(string))
			}
			return strings.Join(out, ",")
		}
		if got := names(""); got != "Winter promo,Autumn promo" {
			t.Errorf("all: %s", got)
		}
		if got := names("?status=archived"); got != "Autumn promo" {
			t.Errorf("archived: %s", got)
		}
		if got := names("?q=WINTER"); got != "Winter promo" {
			t.Errorf("search: %s", got)
		}
		if got := names("?q=fans"); got != "Winter promo,Autumn promo" {
			t.Errorf("search by chat title: %s", got)
		}
		if got := names("?botId=bot_other"); got != "" {
			t.Errorf("another bot: %s", got)
		}
		w.owner.Get(t, "/api/campaigns?status=paused").Expect(t, http.StatusUnprocessableEntity)
		page := w.owner.Get(t, "/campaigns?q=winter").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "Winter promo") || strings.Contains(page, "Autumn promo") {
			t.Fatal("the list page filters")
		}
	}, apptest.Webhooks())
}

func TestCampaignRoutesAreOwnedAndHidden(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		c := w.create(t, "Private", false)
		intruder := env.SignUp(t, "intruder@example.com")
		intruderKey := env.Client().WithAPIKey(intruder.NewAPIKey(t, "k"))
		id := c["id"].(string)
		walkOwnedRoutes(t, env, map[string]string{"/campaigns/": id, "/api/campaigns/": id}, func(method, path string) {
			for _, cl := range []*apptest.Client{intruder, intruderKey} {
				if cl == intruderKey && !strings.HasPrefix(path, "/api/") {
					continue
				}
				if res := cl.Do(t, method, path, bodyFor(method)); res.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s as another account: %d, want 404", method, path, res.StatusCode)
				}
			}
		})
		// Creating a campaign on someone else's bot or chat is a 404 too.
		intruder.Post(t, "/api/campaigns", map[string]any{"botId": w.bot.ID, "chatId": w.chat.ID, "name": "steal"}).Expect(t, http.StatusNotFound)
		intruder.Get(t, "/campaigns/chats?botId="+w.bot.ID).Expect(t, http.StatusNotFound)
		if len(intruder.Get(t, "/api/campaigns").List(t)) != 0 {
			t.Fatal("another account's campaigns are never listed")
		}
	}, apptest.Webhooks())
}

// Campaign joiners keep their campaign as source when they start the bot
// (before or after joining); a deep-link source recorded first stays.
func TestCampaignJoinersKeepTheirCampaignAsSource(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		link := w.link(t, w.create(t, "Spring", false))
		source := func(u telego.User) string {
			t.Helper()
			d := w.owner.Get(t, fmt.Sprintf("/api/bots/%s/users/%d", w.bot.ID, u.ID)).Expect(t, http.StatusOK).Data(t)
			s, _ := d["source"].(string)
			return s
		}

		startedFirst := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Early"})
		w.push(t, telegramtest.MessageUpdate(startedFirst, "/start"))
		w.push(t, telegramtest.JoinUpdate(w.chat, startedFirst, link, false))

		joinedFirst := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Joiner"})
		w.push(t, telegramtest.JoinUpdate(w.chat, joinedFirst, link, false))
		w.push(t, telegramtest.MessageUpdate(joinedFirst, "/start promo"))

		deepLinked := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ad"})
		w.push(t, telegramtest.MessageUpdate(deepLinked, "/start adsrc"))
		w.push(t, telegramtest.JoinUpdate(w.chat, deepLinked, link, false))

		if got := source(startedFirst); got != "campaign:Spring" {
			t.Fatalf("a user who started the bot, then joined: %q", got)
		}
		if got := source(joinedFirst); got != "campaign:Spring" {
			t.Fatalf("a joiner who then starts the bot with a payload: %q", got)
		}
		if got := source(deepLinked); got != "start:adsrc" {
			t.Fatalf("a deep-link source recorded first: %q", got)
		}
		var sources []map[string]any
		for _, s := range w.owner.Get(t, "/api/bots/"+w.bot.ID+"/sources").Expect(t, http.StatusOK).List(t) {
			sources = append(sources, s.(map[string]any))
		}
		if len(sources) != 2 || sources[0]["source"] != "campaign:Spring" || sources[0]["users"] != 2.0 {
			t.Fatalf("sources: %v", sources)
		}
		page := w.owner.Get(t, "/bots/"+w.bot.ID+"/stats").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "the invite link of campaign “Spring”") {
			t.Fatal("the Sources card does not name the campaign")
		}
	}, apptest.Webhooks())
}
