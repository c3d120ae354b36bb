package replies

import (
	"github.com/mymmrac/telego"
)

// Input is one update as matching sees it.
type Input struct {
	// Text is the message's text, or its caption.
	Text string
	// ContactPhone is the phone number of a contact the message shares.
	ContactPhone string
	// Callback marks a button press (callback_query); CallbackID and
	// CallbackData are its id and data.
	Callback     bool
	CallbackID   string
	CallbackData string
	// Group is true in groups and supergroups; private chats are false.
	Group bool
	// Awaiting is the id of the reply whose ask waits for this user's
	// answer, "" when none.
	Awaiting string
}

// InputFromUpdate builds the Input of an update that replies may answer: a
// message (text, caption, contact or any other content) from a person in a
// private chat or a group, or a button press. Edited messages, channel
// posts, service messages, messages from bots and other update kinds are
// never answered (false). Awaiting is left for the caller to fill.
func InputFromUpdate(u telego.Update) (Input, bool) {
	if q := u.CallbackQuery; q != nil {
		in := Input{Callback: true, CallbackID: q.ID, CallbackData: q.Data}
		if q.Message != nil {
			t := q.Message.GetChat().Type
			if t != telego.ChatTypePrivate && t != telego.ChatTypeGroup && t != telego.ChatTypeSupergroup {
				return Input{}, false
			}
			in.Group = t != telego.ChatTypePrivate
		}
		return in, true
	}
	m := u.Message
	if m == nil || m.From == nil || m.From.IsBot {
		return Input{}, false
	}
	switch m.Chat.Type {
	case telego.ChatTypePrivate, telego.ChatTypeGroup, telego.ChatTypeSupergroup:
	default:
		return Input{}, false
	}
	if !hasContent(m) {
		return Input{}, false
	}
	in := Input{Text: m.Text, Group: m.Chat.Type != telego.ChatTypePrivate}
	if in.Text == "" {
		in.Text = m.Caption
	}
	if m.Contact != nil {
		in.ContactPhone = m.Contact.PhoneNumber
	}
	return in, true
}

// hasContent reports whether a message is something a person said or
// sent, as opposed to a service message (a member joined, a title changed,
// a message was pinned, …).
func hasContent(m *telego.Message) bool {
	return m.Text != "" || m.Caption != "" || m.Contact != nil || m.Photo != nil || m.Document != nil ||
		m.Sticker != nil || m.Voice != nil || m.Video != nil || m.VideoNote != nil || m.Audio != nil ||
		m.Animation != nil || m.Location != nil || m.Venue != nil || m.Poll != nil || m.Dice != nil
}

// By says what decided the answer to an update.
type By string

// What decided an answer, in the order they are tried (see the package
// documentation).
const (
	ByNothing       By = "nothing"  // nothing answers
	ByButton        By = "button"   // a button naming a reply was pressed
	ByCommand       By = "command"  // a command reply
	ByAnswer        By = "answer"   // a valid answer to an ask; Reply is the ask's "then"
	ByInvalidAnswer By = "invalid"  // an answer failed its check; the ask keeps waiting
	ByKeyword       By = "keyword"  // a keyword reply
	ByCode          By = "code"     // the bot's code takes the update
	ByFallback      By = "fallback" // the fallback reply
)

// Answer is a valid answer to an ask, ready to store.
type Answer struct {
	Reply    string  // the reply that asked
	Property string  // the user property to set
	Kind     AskKind // the check it passed
	Value    any     // string, or float64 for numbers
}

// Result is what matching decided for one update.
type Result struct {
	By By
	// Reply is the reply to send (nil when nothing, code, or an invalid
	// answer). It points into the Set: do not modify it.
	Reply *Reply
	// Args is what followed a command ({args}).
	Args string
	// Source is the deep-link source of a "/start SOURCE" message, whether
	// or not a reply answers it.
	Source string
	// Asked is the reply whose ask this update answered (validly or not).
	Asked *Reply
	// Answer is set for ByAnswer.
	Answer *Answer
	// AnswerCallback is true for a button press the bot must answer with
	// answerCallbackQuery (every button press except those code takes).
	AnswerCallback bool
	// Awaiting is the reply whose ask waits for the user's next message
	// after this update ("" for none): store it when it differs from
	// Input.Awaiting.
	Awaiting string
}

// Match finds what answers an update. codeWants reports whether the bot's
// code has a handler for the update (nil: no code); it is asked only when
// no button, command, ask or keyword reply answers.
func (s *Set) Match(in Input, codeWants func(Input) bool) Result {
	eligible := func(r *Reply) bool { return r.Enabled && (!in.Group || r.Groups) }
	// The ask the user is answering, if it still exists and may answer
	// here; a stale one is dropped.
	var asked *Reply
	awaiting := ""
	if in.Awaiting != "" {
		if r, ok := s.Reply(in.Awaiting); ok && r.Ask != nil && r.Enabled {
			awaiting = in.Awaiting
			if eligible(r) {
				asked = r
			}
		}
	}
	sends := func(by By, r *Reply) Result {
		return Result{By: by, Reply: r, Awaiting: askOf(r)}
	}
	unanswered := func(awaiting string) Result {
		if s.fallback >= 0 && eligible(&s.replies[s.fallback]) {
			return sends(ByFallback, &s.replies[s.fallback])
		}
		return Result{By: ByNothing, Awaiting: awaiting}
	}

	// 1. A button press.
	if in.Callback {
		if id, ok := ParseCallbackData(in.CallbackData); ok {
			if r, ok := s.Reply(id); ok && eligible(r) {
				res := sends(ByButton, r)
				res.AnswerCallback = true
				return res
			}
		}
		if codeWants != nil && codeWants(in) {
			return Result{By: ByCode, Awaiting: awaiting}
		}
		// A stale button (its reply deleted or disabled) or one nobody
		// handles: stop the client's spinner, say nothing.
		return Result{By: ByNothing, AnswerCallback: true, Awaiting: awaiting}
	}

	// 2. A command; it cancels a pending ask.
	if c, ok := parseCommand(in.Text); ok {
		if !c.forBot(s.bot) {
			// "/cmd@otherbot" in a group is another bot's business.
			return Result{By: ByNothing, Awaiting: awaiting}
		}
		var res Result
		if i, ok := s.commands[c.name]; ok && eligible(&s.replies[i]) {
			res = sends(ByCommand, &s.replies[i])
		} else if codeWants != nil && codeWants(in) {
			res = Result{By: ByCode}
		} else {
			res = unanswered("")
		}
		res.Args = c.args
		if c.name == "start" && ValidSource(c.args) {
			res.Source = c.args
		}
		return res
	}

	// 3. The answer to a pending ask.
	if asked != nil {
		value, ok := CheckAnswer(asked.Ask.Kind, in.Text, in.ContactPhone)
		if !ok {
			return Result{By: ByInvalidAnswer, Asked: asked, Awaiting: asked.ID}
		}
		res := Result{By: ByAnswer, Asked: asked, Answer: &Answer{Reply: asked.ID, Property: asked.Ask.Property, Kind: asked.Ask.Kind, Value: value}}
		if then, ok := s.Reply(asked.Ask.Then); ok && eligible(then) {
			res.Reply = then
			res.Awaiting = askOf(then)
		}
		return res
	}

	// 4. A keyword.
	if i := s.keyword(in.Text, eligible); i >= 0 {
		return sends(ByKeyword, &s.replies[i])
	}

	// 5. The bot's code, then 6. the fallback.
	if codeWants != nil && codeWants(in) {
		return Result{By: ByCode, Awaiting: awaiting}
	}
	return unanswered(awaiting)
}

// askOf is the ask state after sending r: r's id if it asks, else none.
func askOf(r *Reply) string {
	if r != nil && r.Ask != nil {
		return r.ID
	}
	return ""
}
