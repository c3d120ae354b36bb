package replies

import "github.com/mymmrac/telego"

// Starters are the replies a new bot begins with, in match order, for its
// owner to edit: a /start greeting and a /help that says what the bot does,
// both in the menu, the greeting with a button to the help. newID gives
// each its id (so that the button can name the help).
func Starters(newID func() string) []Reply {
	startID, helpID := newID(), newID()
	return []Reply{
		{
			ID:      startID,
			Trigger: Trigger{Kind: TriggerCommand, Command: "start"},
			Text: "Hello, {first_name}! 👋\n\n" +
				"I'm <b>@{bot_username}</b>. Send /help to see what I can do.",
			Mode:        ModeHTML,
			Buttons:     [][]Button{{{Text: "What can you do?", Reply: helpID}}},
			ShowInMenu:  true,
			Description: "Start the bot",
			Enabled:     true,
		},
		{
			ID:      helpID,
			Trigger: Trigger{Kind: TriggerCommand, Command: "help"},
			Text: "<b>What I can do</b>\n\n" +
				"/start — say hello\n" +
				"/help — show this message\n\n" +
				"More is coming soon.",
			Mode:        ModeHTML,
			ShowInMenu:  true,
			Description: "What this bot can do",
			Enabled:     true,
		},
	}
}

// MenuCommands is the bot's menu as setMyCommands takes it: the enabled
// command replies marked ShowInMenu, in match order.
func MenuCommands(set []Reply) []telego.BotCommand {
	out := []telego.BotCommand{}
	seen := map[string]bool{}
	for i := range set {
		r := &set[i]
		name := NormalizeCommand(r.Trigger.Command)
		if !r.Enabled || !r.ShowInMenu || r.Trigger.Kind != TriggerCommand || !ValidCommand(name) || seen[name] || r.Description == "" {
			continue
		}
		seen[name] = true
		out = append(out, telego.BotCommand{Command: name, Description: r.Description})
		if len(out) == MaxMenuCommands {
			break
		}
	}
	return out
}
