package core_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

const updateCode = `
bot.command('order', async (ctx) => {
  await ctx.user.tag('buyer');
  await ctx.user.set('last_order', ctx.args);
  await ctx.reply('Order for ' + ctx.from.first_name + ': ' + ctx.args);
});
bot.hears('hello', async (ctx) => { await ctx.reply('Hello from code'); });
bot.command('boom', () => { throw new Error('kaput'); });
`

// TestCodeAnswersUpdates: the bot's update handlers answer what no reply
// takes (after buttons, commands and keywords of replies, before the
// fallback), through the outbox, with ctx.user changes saved; a failing
// handler sends nothing and the update is not run again.
func TestCodeAnswersUpdates(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "coder@example.com")
		bot := env.ConnectBot(t, owner, "coder_bot") // with the starter replies (/start, /help, …)
		a := &answering{env: env, bot: bot}
		insertReplies(t, env, bot.ID, reply("rpl_price", replies.TriggerKeyword, "Prices: see the menu", func(r *replies.Reply) {
			r.Trigger.Keywords = []string{"price"}
		}))
		owner.Put(t, "/api/bots/"+bot.ID+"/code", map[string]any{"source": updateCode}).Expect(t, http.StatusOK)
		ann := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})

		said := texts(a.say(t, telegramtest.MessageUpdate(ann, "/order 2 apples")))
		if !slices.Equal(said, []string{"Order for Ann: 2 apples"}) {
			t.Fatalf("/order is the code's: %q", said)
		}
		st, err := models.UserStates(context.Background(), env.App.DB, bot.ID, []int64{ann.ID})
		if err != nil || !st[ann.ID].Tags["buyer"] || st[ann.ID].Props["last_order"] != "2 apples" {
			t.Fatalf("ctx.user changes are saved: %+v %v", st[ann.ID], err)
		}
		if said := texts(a.say(t, telegramtest.MessageUpdate(ann, "hello there"))); !slices.Equal(said, []string{"Hello from code"}) {
			t.Fatalf("bot.hears: %q", said)
		}
		// Replies' keywords and commands come first.
		if said := texts(a.say(t, telegramtest.MessageUpdate(ann, "hello, what is the price?"))); !slices.Equal(said, []string{"Prices: see the menu"}) {
			t.Fatalf("a keyword reply goes before code: %q", said)
		}
		if said := texts(a.say(t, telegramtest.MessageUpdate(ann, "/start"))); len(said) != 1 || strings.Contains(said[0], "Order") {
			t.Fatalf("the /start reply answers /start: %q", said)
		}
		// A handler that throws sends nothing; its error is in the bot's log.
		if said := a.say(t, telegramtest.MessageUpdate(ann, "/boom")); len(said) != 0 {
			t.Fatalf("a failing handler sends nothing: %q", texts(said))
		}
		logs := owner.Get(t, "/api/bots/"+bot.ID+"/logs?level=error").Expect(t, http.StatusOK).Text()
		if !strings.Contains(logs, "kaput") {
			t.Fatalf("the handler's error is logged: %s", logs)
		}
		// An owner-blocked user gets nothing from code either.
		owner.Post(t, "/api/bots/"+bot.ID+"/users/"+strconv.FormatInt(ann.ID, 10)+"/block", nil).Expect(t, http.StatusOK)
		if said := a.say(t, telegramtest.MessageUpdate(ann, "/order 1 pear")); len(said) != 0 {
			t.Fatalf("a blocked user is not answered: %q", texts(said))
		}
	}, apptest.Webhooks())
}
