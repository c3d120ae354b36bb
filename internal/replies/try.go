package replies

// TryResult is what the "try it" simulator shows for one message or button
// press: the reply that answered (null when none), the messages with their
// buttons and keyboard, and the actions. By, Awaiting and AnswerCallback
// say why and what happens next.
type TryResult struct {
	Matched        *string      `json:"matched"`
	By             By           `json:"by"`
	Messages       []TryMessage `json:"messages"`
	Actions        []Action     `json:"actions"`
	AnswerCallback bool         `json:"answerCallback"`
	Awaiting       *string      `json:"awaiting"`
}

// TryMessage is a message as the simulator draws it. Buttons that go to a
// reply carry the callbackData to send back when pressed.
type TryMessage struct {
	Text        string        `json:"text"`
	ParseMode   ParseMode     `json:"parseMode"`
	PhotoURL    *string       `json:"photoUrl"`
	DocumentURL *string       `json:"documentUrl"`
	Buttons     [][]TryButton `json:"buttons"`
	Keyboard    *Keyboard     `json:"keyboard"`
}

// TryButton is an inline button in the simulator.
type TryButton struct {
	Text         string `json:"text"`
	URL          string `json:"url,omitempty"`
	Reply        string `json:"reply,omitempty"`
	CallbackData string `json:"callbackData,omitempty"`
}

// Try turns a plan into the simulator's answer; uploadURL gives the address
// the page shows an upload id at.
func Try(p Plan, uploadURL func(uploadID string) string) TryResult {
	out := TryResult{By: p.By, Messages: []TryMessage{}, Actions: p.Actions, AnswerCallback: p.AnswerCallback != nil}
	if out.Actions == nil {
		out.Actions = []Action{}
	}
	switch {
	case p.Reply != nil:
		out.Matched = &p.Reply.ID
	case p.Asked != nil:
		out.Matched = &p.Asked.ID
	}
	if p.Awaiting != "" {
		out.Awaiting = &p.Awaiting
	}
	for _, m := range p.Messages {
		tm := TryMessage{Text: m.Text, ParseMode: m.ParseMode, Buttons: [][]TryButton{}}
		if m.Photo != "" {
			u := uploadURL(m.Photo)
			tm.PhotoURL = &u
		}
		if m.Document != "" {
			u := uploadURL(m.Document)
			tm.DocumentURL = &u
		}
		if m.InlineKeyboard != nil {
			for _, row := range m.InlineKeyboard.InlineKeyboard {
				tr := make([]TryButton, 0, len(row))
				for _, b := range row {
					tb := TryButton{Text: b.Text, URL: b.URL, CallbackData: b.CallbackData}
					if id, ok := ParseCallbackData(b.CallbackData); ok {
						tb.Reply = id
					}
					tr = append(tr, tb)
				}
				tm.Buttons = append(tm.Buttons, tr)
			}
		}
		switch {
		case m.RemoveKeyboard != nil:
			tm.Keyboard = KeyboardRemove()
		case m.Keyboard != nil:
			k := &Keyboard{Rows: make([][]string, 0, len(m.Keyboard.Keyboard))}
			for _, row := range m.Keyboard.Keyboard {
				texts := make([]string, 0, len(row))
				for _, b := range row {
					texts = append(texts, b.Text)
				}
				k.Rows = append(k.Rows, texts)
			}
			tm.Keyboard = k
		}
		out.Messages = append(out.Messages, tm)
	}
	return out
}
