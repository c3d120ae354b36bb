package replies

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func decodeReply(t *testing.T, body string) (Reply, error) {
	t.Helper()
	r := NewReply()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&r)
	return r, err
}

func TestReplyJSONRoundTrip(t *testing.T) {
	body := `{"id":"rpl_1","trigger":{"kind":"command","command":"start"},"text":"<b>Hi</b> {first_name}","parseMode":"HTML",` +
		`"photo":"upl_1","buttons":[[{"text":"Site","url":"https://example.com"},{"text":"Menu","reply":"rpl_2"}]],` +
		`"ask":{"property":"email","kind":"email","then":"rpl_3","invalid":"Again?"},` +
		`"actions":[{"tag":"add","name":"lead"},{"set":"plan","value":"pro"},{"set":"old","value":null}],` +
		`"showInMenu":true,"description":"Start","groups":false,"enabled":true}`
	r, err := decodeReply(t, body)
	if err != nil {
		t.Fatal(err)
	}
	want := Reply{
		ID: "rpl_1", Trigger: Trigger{Kind: TriggerCommand, Command: "start"}, Text: "<b>Hi</b> {first_name}", Mode: ModeHTML, Photo: "upl_1",
		Buttons:    [][]Button{{{Text: "Site", URL: "https://example.com"}, {Text: "Menu", Reply: "rpl_2"}}},
		Ask:        &Ask{Property: "email", Kind: AskEmail, Then: "rpl_3", Invalid: "Again?"},
		Actions:    []Action{{Tag: TagAdd, Name: "lead"}, {Set: "plan", Value: json.RawMessage(`"pro"`)}, {Set: "old", Value: json.RawMessage(`null`)}},
		ShowInMenu: true, Description: "Start", Enabled: true,
	}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("decoded:\n got %+v\nwant %+v", r, want)
	}
	if got := mustJSON(t, r); !bytes.Equal(got, []byte(body)) {
		t.Errorf("marshal:\n got %s\nwant %s", got, body)
	}
}

func TestReplyJSONShapes(t *testing.T) {
	minimal := `{"trigger":{"kind":"fallback"},"text":"?"}`
	r, err := decodeReply(t, minimal)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Enabled || r.Mode != ModePlain || r.Keyboard != nil {
		t.Errorf("defaults: %+v", r)
	}
	if got := string(mustJSON(t, r)); got != `{"id":"","trigger":{"kind":"fallback"},"text":"?","parseMode":null,"showInMenu":false,"description":"","groups":false,"enabled":true}` {
		t.Errorf("minimal marshals as %s", got)
	}
	r, err = decodeReply(t, `{"enabled":false,"parseMode":null,"keyboard":null}`)
	if err != nil || r.Enabled || r.Keyboard != nil {
		t.Errorf("explicit false and nulls: %+v %v", r, err)
	}

	// The keyboard union.
	for body, want := range map[string]*Keyboard{
		`{"keyboard":"remove"}`:                 KeyboardRemove(),
		`{"keyboard":[["Yes","No"],["Later"]]}`: KeyboardRows([]string{"Yes", "No"}, []string{"Later"}),
	} {
		r, err := decodeReply(t, body)
		if err != nil || !reflect.DeepEqual(r.Keyboard, want) {
			t.Errorf("%s: %+v %v", body, r.Keyboard, err)
			continue
		}
		if got := string(mustJSON(t, r.Keyboard)); !strings.Contains(body, got) {
			t.Errorf("%s marshals back as %s", body, got)
		}
	}
	r, err = decodeReply(t, `{"trigger":{"kind":"fallback"},"text":"x","keyboard":"hide"}`)
	if err != nil {
		t.Fatalf("another string is for Validate to refuse, not the decoder: %v", err)
	}
	if got := string(mustJSON(t, r.Keyboard)); got != `"hide"` {
		t.Errorf("kept as %s", got)
	}
	if f := fieldErrors(t, r, nil); !strings.Contains(f["keyboard"], `"remove"`) {
		t.Errorf("Validate: %v", f)
	}
	for _, body := range []string{`{"keyboard":3}`, `{"keyboard":{"rows":[]}}`, `{"keyboard":[[1]]}`, `{"parseMode":5}`} {
		if _, err := decodeReply(t, body); err == nil {
			t.Errorf("%s decoded", body)
		}
	}

	// Unknown fields are refused at every depth by a strict decoder.
	for _, body := range []string{
		`{"colour":"red"}`,
		`{"trigger":{"kind":"command","regex":"x"}}`,
		`{"buttons":[[{"text":"x","callback":"y"}]]}`,
		`{"ask":{"property":"p","kind":"text","timeout":5}}`,
		`{"actions":[{"tag":"add","name":"x","color":"red"}]}`,
	} {
		_, err := decodeReply(t, body)
		if err == nil || !strings.Contains(err.Error(), "unknown field") {
			t.Errorf("%s: %v", body, err)
		}
	}
}

func TestNewReplyDecodesOntoExisting(t *testing.T) {
	// A PATCH decodes onto the stored reply: what the body leaves out stays.
	r := cmdReply("r", "start", "hi")
	r.Keyboard = KeyboardRemove()
	if err := json.Unmarshal([]byte(`{"text":"hello","parseMode":"HTML"}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Text != "hello" || r.Mode != ModeHTML || r.Trigger.Command != "start" || !r.Keyboard.Remove || !r.Enabled {
		t.Errorf("patched: %+v", r)
	}
	if err := json.Unmarshal([]byte(`{"parseMode":null,"keyboard":null}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Mode != ModePlain || r.Keyboard != nil {
		t.Errorf("nulls clear: %+v", r)
	}
}
