package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/botdeck/botdeck/internal/contract"
)

// demoReplies are each demo bot's replies beyond the starters (/start and
// /help, which every new bot gets), as the API takes them. "$name" in a
// reply's JSON is the id of the reply saved earlier under that name, so
// buttons and asks can go to one another; the simulator on the Replies tab
// exercises them.
var demoReplies = [][]struct{ name, spec string }{
	{ // Support Desk
		{"refunds", `{"trigger":{"kind":"button"},"parseMode":"HTML","text":"<b>Refunds</b>\nWe refund any order within 30 days. Send your order number to /contact and we take it from there."}`},
		{"thanks", `{"trigger":{"kind":"button"},"text":"Thanks! We'll write to {prop.email} within the hour."}`},
		{"", `{"trigger":{"kind":"keyword","keywords":["refund","money back","remboursement","возврат"]},"text":"Sorry to hear that, {first_name}. How would you like to go on?","buttons":[[{"text":"How refunds work","reply":"$refunds"}],[{"text":"Our policy","url":"https://example.com/refunds"}]]}`},
		{"", `{"trigger":{"kind":"command","command":"contact"},"text":"What's your email address? We answer there.","ask":{"property":"email","kind":"email","then":"$thanks","invalid":"That doesn't look like an email address. Try again?"},"actions":[{"tag":"add","name":"support"}],"showInMenu":true,"description":"Talk to a person"}`},
		{"", `{"trigger":{"kind":"keyword","keywords":["opening hours","hours","horaires"]},"text":"We're here Monday to Friday, 9:00–18:00 CET."}`},
		{"", `{"trigger":{"kind":"fallback"},"text":"I didn't catch that. Try /help, or /contact to reach a person."}`},
	},
	{ // Shop Assistant
		{"", `{"trigger":{"kind":"command","command":"deals"},"parseMode":"HTML","text":"🔥 <b>Today's deals</b>\nUp to 40% off headphones and speakers.","buttons":[[{"text":"Open the shop","url":"https://example.com/deals"}]],"actions":[{"tag":"add","name":"deal-hunter"}],"showInMenu":true,"description":"Today's deals"}`},
		{"", `{"trigger":{"kind":"keyword","keywords":["price","цена","precio","価格"]},"text":"Prices are on each product page, {first_name}. Send /deals for today's discounts."}`},
		{"", `{"trigger":{"kind":"keyword","keywords":["size"]},"text":"Which size do you wear?","keyboard":[["S","M","L"],["XL"]],"ask":{"property":"size","kind":"text"}}`},
	},
	{ // Weather Now
		{"", `{"trigger":{"kind":"keyword","keywords":["weather","forecast","погода","météo"]},"text":"☀️ Sunny, 21 °C, light wind. Tomorrow: a few clouds.","keyboard":"remove"}`},
		{"", `{"trigger":{"kind":"command","command":"city"},"text":"Which city should I follow for you?","ask":{"property":"city","kind":"text"},"showInMenu":true,"description":"Choose your city"}`},
	},
}

// seedReplies saves the demo bots' replies through the same use case the
// editor and the API use.
func (w *world) seedReplies(ctx context.Context) error {
	for i, specs := range demoReplies {
		if i >= len(w.bots) {
			break
		}
		b, err := w.app.Replies.Bot(ctx, w.ws, w.bots[i].id)
		if err != nil {
			return err
		}
		ids := map[string]string{}
		for _, s := range specs {
			body := s.spec
			for name, id := range ids {
				body = strings.ReplaceAll(body, `"$`+name+`"`, `"`+id+`"`)
			}
			var req contract.ReplyRequest
			if err := json.Unmarshal([]byte(body), &req); err != nil {
				return fmt.Errorf("demo reply %s: %w", body, err)
			}
			saved, err := w.app.Replies.Create(ctx, b, &req)
			if err != nil {
				return fmt.Errorf("demo reply %s: %w", body, err)
			}
			if s.name != "" {
				ids[s.name] = saved.Reply.ID
			}
		}
	}
	return nil
}
