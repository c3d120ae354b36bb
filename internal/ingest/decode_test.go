package ingest

import (
	"errors"
	"testing"
)

func TestDecodeKinds(t *testing.T) {
	cases := map[string]string{
		// A private message as Telegram sends it; optional fields absent.
		`{"update_id":10,"message":{"message_id":1,"from":{"id":42,"is_bot":false,"first_name":"Ann"},"chat":{"id":42,"first_name":"Ann","type":"private"},"date":1763700000,"text":"/start"}}`: "message",
		// Unknown fields, at the top and inside, are tolerated.
		`{"update_id":11,"future_field":{"x":1},"message":{"message_id":2,"from":{"id":42,"is_bot":false,"first_name":"Ann","new_thing":true},"chat":{"id":42,"type":"private"},"date":1763700000}}`:       "message",
		`{"update_id":12,"channel_post":{"message_id":3,"chat":{"id":-1001,"title":"News","type":"channel"},"date":1763700000,"text":"hi"}}`:                                                               "channel_post",
		`{"update_id":13,"edited_message":{"message_id":1,"from":{"id":42,"is_bot":false,"first_name":"Ann"},"chat":{"id":42,"type":"private"},"date":1763700000,"edit_date":1763700100,"text":"edited"}}`: "edited_message",
		`{"update_id":14,"brand_new_update_type":{"anything":[1,2,3]}}`: "brand_new_update_type",
		`{"update_id":15}`:                "empty",
		`{"update_id":16,"message":null}`: "empty",
		// A known kind with a wrong field type is kept, not lost.
		`{"update_id":17,"message":{"message_id":"not a number"}}`: "malformed_message",
	}
	for raw, want := range cases {
		u, err := Decode([]byte(raw))
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if u.Kind != want {
			t.Errorf("%s: kind %q, want %q", raw, u.Kind, want)
		}
	}
	u, _ := Decode([]byte(`{"update_id":13,"edited_message":{"message_id":1,"chat":{"id":42,"type":"private"},"date":1763700000,"edit_date":1763700100}}`))
	if u.Date().Unix() != 1763700100 {
		t.Errorf("an edit is dated by its edit_date: %v", u.Date())
	}
}

func TestDecodeRejectsNonUpdates(t *testing.T) {
	for _, raw := range []string{``, `[]`, `"x"`, `{}`, `{"update_id":-1}`, `{"update_id":"7"}`, `{"update_id":1.5}`, `{"update_id":1`, `null`} {
		if _, err := Decode([]byte(raw)); !errors.Is(err, ErrNotAnUpdate) {
			t.Errorf("%q: err = %v, want ErrNotAnUpdate", raw, err)
		}
	}
}

// FuzzDecode: no input makes the decoder (or the helpers that read a
// decoded update) panic.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"update_id":1,"message":{"message_id":1,"from":{"id":1,"is_bot":false,"first_name":"A"},"chat":{"id":1,"type":"private"},"date":1,"text":"hi"}}`,
		`{"update_id":2,"my_chat_member":{"chat":{"id":-1,"type":"supergroup","title":"G"},"from":{"id":1,"is_bot":false,"first_name":"A"},"date":1,"old_chat_member":{"status":"member","user":{"id":9,"is_bot":true,"first_name":"B"}},"new_chat_member":{"status":"administrator","user":{"id":9,"is_bot":true,"first_name":"B"},"can_be_edited":false,"is_anonymous":false,"can_manage_chat":true,"can_delete_messages":true,"can_manage_video_chats":true,"can_restrict_members":true,"can_promote_members":false,"can_change_info":true,"can_invite_users":true,"can_post_stories":false,"can_edit_stories":false,"can_delete_stories":false}}}`,
		`{"update_id":3,"chat_member":{"chat":{"id":-1,"type":"supergroup"},"from":{"id":1,"is_bot":false,"first_name":"A"},"date":1,"old_chat_member":{"status":"left","user":{"id":1,"is_bot":false,"first_name":"A"}},"new_chat_member":{"status":"member","user":{"id":1,"is_bot":false,"first_name":"A"}},"invite_link":{"invite_link":"https://t.me/+x","creator":{"id":9,"is_bot":true,"first_name":"B"},"creates_join_request":false,"is_primary":false,"is_revoked":false}}}`,
		`{"update_id":4,"callback_query":{"id":"1","from":{"id":1,"is_bot":false,"first_name":"A"},"chat_instance":"c","data":"x"}}`,
		`{"update_id":5,"whatever":1}`, `{}`, `[`, `{"update_id":1e400}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, err := Decode(raw)
		if err != nil {
			return
		}
		_ = u.Date()
		_ = effectsOf(u)
	})
}
