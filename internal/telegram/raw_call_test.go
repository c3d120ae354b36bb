package telegram

import "testing"

func TestIsManagedMethod(t *testing.T) {
	for _, m := range []string{"getUpdates", "SETWEBHOOK", "deleteWebhook", "logOut", "close"} {
		if !IsManagedMethod(m) {
			t.Errorf("%s should be managed", m)
		}
	}
	for _, m := range []string{"sendMessage", "getMe", "answerCallbackQuery"} {
		if IsManagedMethod(m) {
			t.Errorf("%s should not be managed", m)
		}
	}
}
