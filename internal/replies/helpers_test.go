package replies

import "testing"

// Reply builders for the tests: enabled, plain text.

func cmdReply(id, name, text string) Reply {
	return Reply{ID: id, Trigger: Trigger{Kind: TriggerCommand, Command: name}, Text: text, Enabled: true}
}

func kwReply(id, text string, keywords ...string) Reply {
	return Reply{ID: id, Trigger: Trigger{Kind: TriggerKeyword, Keywords: keywords}, Text: text, Enabled: true}
}

func buttonReply(id, text string) Reply {
	return Reply{ID: id, Trigger: Trigger{Kind: TriggerButton}, Text: text, Enabled: true}
}

func fallbackReply(id, text string) Reply {
	return Reply{ID: id, Trigger: Trigger{Kind: TriggerFallback}, Text: text, Enabled: true}
}

func askReply(id, text string, kind AskKind, property, then string) Reply {
	return Reply{ID: id, Trigger: Trigger{Kind: TriggerButton}, Text: text, Enabled: true,
		Ask: &Ask{Property: property, Kind: kind, Then: then}}
}

// matchedID is the id of the reply a result sends, or "".
func matchedID(r Result) string {
	if r.Reply == nil {
		return ""
	}
	return r.Reply.ID
}

func mustValidate(t *testing.T, r Reply, set []Reply) Reply {
	t.Helper()
	out, err := Validate(r, set)
	if err != nil {
		t.Fatalf("Validate(%s): %v", r.ID, err)
	}
	return out
}
