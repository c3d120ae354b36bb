package app

import (
	"net/http/httptest"
	"testing"
)

func TestIsUploadRequest(t *testing.T) {
	for path, want := range map[string]bool{
		"/api/uploads":                  true,
		"/bots/bot_x/replies":           true,
		"/bots/bot_x/replies/rpl_y":     true,
		"/bots/bot_x/replies/try":       false,
		"/bots/bot_x/replies/order":     false,
		"/bots/bot_x/replies/preview":   false,
		"/bots/bot_x/replies/rpl_y/del": false,
		"/bots/bot_x/code":              false,
		"/api/bots/bot_x/replies":       false,
	} {
		if got := isUploadRequest(httptest.NewRequest("POST", path, nil)); got != want {
			t.Errorf("POST %s: %v, want %v", path, got, want)
		}
	}
	if isUploadRequest(httptest.NewRequest("GET", "/api/uploads", nil)) {
		t.Error("GET is never an upload")
	}
}

func TestIsUserImportRequest(t *testing.T) {
	for path, want := range map[string]bool{
		"/api/bots/bot_x/users/import":       true,
		"/bots/bot_x/user-imports":           true,
		"/bots/bot_x/users/import":           false, // the upload form is a GET; nothing is posted there
		"/api/bots/bot_x/import":             false, // a bot's setup: the upload limit
		"/bots/bot_x/user-imports/imp_y/run": false,
		"/api/bots/bot_x/users/tags":         false,
	} {
		if got := isUserImportRequest(httptest.NewRequest("POST", path, nil)); got != want {
			t.Errorf("POST %s: %v, want %v", path, got, want)
		}
	}
	if isUserImportRequest(httptest.NewRequest("GET", "/api/bots/bot_x/users/import", nil)) {
		t.Error("GET is never an import")
	}
}
