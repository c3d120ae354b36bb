package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/app"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// demoBot is one of the demo's bots with its audience and chats.
type demoBot struct {
	id       string
	fake     *telegramtest.FakeBot
	users    []telego.User // people who started it
	chat     *telego.Chat  // a chat it administers, with a campaign
	link     *telego.ChatInviteLink
	members  []telego.User // people in the chat through the campaign
	requests bool          // the campaign is in join-request mode
}

// world is what the simulator acts on.
type world struct {
	app     *app.App
	baseURL string // where this demo's Botdeck listens
	fake    *telegramtest.Server
	people  *people
	rng     *rand.Rand
	owner   *models.User
	ws      string // the owner's workspace: owns the bots and campaigns
	bots    []*demoBot
	admin   telego.User // owns the demo chats
	own     *ownServer  // the weather bot's "own server", fed by the relay
}

// botSpecs are the three demo bots.
var botSpecs = []struct {
	username, name, chatTitle, chatType, campaign, greeting string
	joinRequest                                             bool
	dailyNew                                                int
}{
	{"deskhelp_demo_bot", "Support Desk", "Support Community", telego.ChatTypeSupergroup, "Spring onboarding",
		"Welcome to {chat_title}, {first_name}! Ask anything — our team answers within the hour.", false, 9},
	{"shopmate_demo_bot", "Shop Assistant", "Shop Deals", telego.ChatTypeChannel, "Black Friday list",
		"Hi {first_name}! You're on the Black Friday list: deals land in {chat_title} first.", true, 6},
	{"skycast_demo_bot", "Weather Now", "", "", "", "", false, 4},
}

// setup creates the demo account, connects the bots through the real
// connect path, promotes them in their chats and creates campaigns: what a
// visitor needs to sign in, done before the credentials are printed.
func (w *world) setup(ctx context.Context, email, password string) error {
	owner, err := w.app.Accounts.CreateUser(ctx, contract.SignupRequest{Email: email, Password: password, Name: "Demo Owner"})
	if err != nil {
		return fmt.Errorf("demo account: %w", err)
	}
	w.owner = owner
	if w.ws, _, _, err = models.CurrentMembership(ctx, w.app.DB, owner.ID, ""); err != nil {
		return fmt.Errorf("demo workspace: %w", err)
	}
	w.admin = w.fake.AddUser(telegramtest.UserSpec{FirstName: "Morgan", LastName: "Lee", Username: "morgan_admin"})
	for _, spec := range botSpecs {
		fb := w.fake.AddBot(telegramtest.BotSpec{Username: spec.username, FirstName: spec.name})
		b, _, err := w.app.Bots.Connect(ctx, w.ws, fb.Token)
		if err != nil {
			return fmt.Errorf("connect %s: %w", spec.username, err)
		}
		db := &demoBot{id: b.ID, fake: fb, requests: spec.joinRequest}
		w.bots = append(w.bots, db)
		if spec.chatTitle == "" {
			continue
		}
		chat := w.fake.AddChat(telegramtest.ChatSpec{Type: spec.chatType, Title: spec.chatTitle, Owner: &w.admin})
		db.chat = &chat
		rights := telegramtest.DefaultAdminRights(chat.Type)
		if err := w.fake.SetBotAdmin(fb.Token, chat.ID, rights); err != nil {
			return err
		}
		me := fb.User()
		w.push(db, telegramtest.MyChatMemberUpdate(chat, w.admin, telegramtest.Left(me), telegramtest.Admin(me, rights)), time.Time{})
		if _, err := w.app.Ingest.ProcessStored(ctx, 0); err != nil {
			return err
		}
		c, err := w.app.Campaigns.Create(ctx, w.ws, contract.CreateCampaignRequest{BotID: b.ID, ChatID: chat.ID,
			Name: spec.campaign, Greeting: spec.greeting, JoinRequest: spec.joinRequest})
		if err != nil {
			return fmt.Errorf("campaign for %s: %w", spec.chatTitle, err)
		}
		if _, l, ok := w.fake.InviteLink(c.InviteLink); ok {
			db.link = &l
		}
	}
	return w.setupRelay(ctx)
}

// history pushes 30 days of activity through the webhook, day by day, then
// the example code, its traffic and the broadcasts. It runs while the demo
// already serves, telling progress to out: the pages fill up as it goes.
func (w *world) history(ctx context.Context, out io.Writer) error {
	if err := w.backfill(ctx, out); err != nil {
		return err
	}
	if err := w.seedCode(ctx); err != nil {
		return err
	}
	if err := w.seedReplies(ctx); err != nil {
		return err
	}
	for range 12 {
		w.handlerTraffic(ctx)
	}
	if err := w.seedBroadcasts(ctx); err != nil {
		return err
	}
	// The bots and campaigns have been around as long as their history.
	since := time.Now().UTC().AddDate(0, 0, -31)
	if _, err := w.app.DB.NewUpdate().Model((*models.Bot)(nil)).Set("created_at = ?", since).Where("owner_id = ?", w.ws).Exec(ctx); err != nil {
		return err
	}
	_, err := w.app.DB.NewUpdate().Model((*models.Campaign)(nil)).Set("created_at = ?", since).
		Where("bot_id IN (SELECT id FROM bots WHERE owner_id = ?)", w.ws).Exec(ctx)
	return err
}

// backfill replays a month of activity, oldest day first, with a gentle
// upward trend, so every chart has a shape from the first visit.
func (w *world) backfill(ctx context.Context, out io.Writer) error {
	today := time.Now().UTC()
	for daysAgo := 29; daysAgo >= 0; daysAgo-- {
		if err := ctx.Err(); err != nil {
			return err
		}
		if done := 30 - daysAgo - 1; done > 0 && done%10 == 0 {
			fmt.Fprintf(out, "  History: %d of 30 days filled in…\n", done)
		}
		day := today.AddDate(0, 0, -daysAgo)
		share := 1.0 // of a whole day's traffic
		if daysAgo == 0 {
			share = float64(today.Hour()*60+today.Minute()) / (24 * 60) // today, so far
		}
		for i, db := range w.bots {
			newUsers := int(float64(botSpecs[i].dailyNew*(60-daysAgo)/45+w.rng.IntN(4)) * share)
			for range newUsers {
				w.startUser(db, w.at(day))
			}
			for range len(db.users) / 6 {
				u := db.users[w.rng.IntN(len(db.users))]
				w.push(db, telegramtest.MessageUpdate(u, w.people.message()), w.at(day))
			}
			if w.rng.IntN(3) == 0 && len(db.users) > 5 {
				w.push(db, telegramtest.BotBlockedUpdate(db.users[w.rng.IntN(len(db.users))], db.fake.User()), w.at(day))
			}
			if db.chat != nil {
				for range 1 + w.rng.IntN(4) {
					w.campaignJoin(db, w.at(day))
				}
				if len(db.members) > 3 && w.rng.IntN(2) == 0 {
					w.campaignLeave(db, w.at(day))
				}
			}
		}
		// Processing in order keeps first-seen and daily-active counts exact.
		if _, err := w.app.Ingest.ProcessStored(ctx, 0); err != nil {
			return err
		}
	}
	return nil
}

// at is a random daytime moment of day, never in the future.
func (w *world) at(day time.Time) time.Time {
	y, m, d := day.Date()
	t := time.Date(y, m, d, 7+w.rng.IntN(15), w.rng.IntN(60), w.rng.IntN(60), 0, time.UTC)
	if now := time.Now().UTC(); t.After(now) {
		midnight := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		t = midnight.Add(time.Duration(w.rng.Int64N(int64(now.Sub(midnight)) + 1)))
	}
	return t
}

// push delivers an update to Botdeck's webhook through the fake Bot API,
// dated when (zero: now).
func (w *world) push(db *demoBot, u telego.Update, when time.Time) {
	if !when.IsZero() {
		setDate(&u, when.Unix())
	}
	w.fake.Push(db.fake.Token, u) //nolint:errcheck // a failed delivery stays pending in the fake; the demo goes on
}

func setDate(u *telego.Update, unix int64) {
	switch {
	case u.Message != nil:
		u.Message.Date = unix
	case u.MyChatMember != nil:
		u.MyChatMember.Date = unix
	case u.ChatMember != nil:
		u.ChatMember.Date = unix
	case u.ChatJoinRequest != nil:
		u.ChatJoinRequest.Date = unix
	}
}

func (w *world) startUser(db *demoBot, when time.Time) telego.User {
	u := w.people.newPerson()
	db.users = append(db.users, u)
	w.push(db, telegramtest.MessageUpdate(u, "/start"), when)
	return u
}

// campaignJoin makes someone join the bot's chat: mostly through the
// campaign (by link, or by a request the bot greets and approves), now and
// then through no campaign at all.
func (w *world) campaignJoin(db *demoBot, when time.Time) {
	var u telego.User
	if len(db.users) > 0 && w.rng.IntN(2) == 0 {
		u = db.users[w.rng.IntN(len(db.users))] // someone who started the bot: gets the greeting
	} else {
		u = w.people.newPerson()
	}
	switch {
	case w.rng.IntN(8) == 0:
		w.push(db, telegramtest.JoinUpdate(*db.chat, u, nil, false), when) // an "other join"
	case db.requests && when.IsZero():
		// Live requests are greeted and approved by Botdeck; Telegram then
		// reports the join itself.
		w.push(db, telegramtest.ChatJoinRequestUpdate(*db.chat, u, db.link), when)
	case db.requests:
		// History: the request was greeted and approved long ago; replaying
		// it now would queue a greeting whose 5-minute window has passed.
		w.push(db, telegramtest.JoinUpdate(*db.chat, u, db.link, true), when)
		db.members = append(db.members, u)
	default:
		w.push(db, telegramtest.JoinUpdate(*db.chat, u, db.link, false), when)
		db.members = append(db.members, u)
	}
}

func (w *world) campaignLeave(db *demoBot, when time.Time) {
	i := w.rng.IntN(len(db.members))
	u := db.members[i]
	db.members = append(db.members[:i], db.members[i+1:]...)
	w.push(db, telegramtest.LeaveUpdate(*db.chat, u), when)
}
