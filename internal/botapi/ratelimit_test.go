package botapi

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"
)

func TestTokenLimiterIsPerBot(t *testing.T) {
	l := newTokenLimiter(1, 2)
	for i := range 2 {
		if ok, _ := l.allow("bot_a"); !ok {
			t.Fatalf("request %d within the burst refused", i)
		}
	}
	ok, wait := l.allow("bot_a")
	if ok || wait <= 0 || wait > 2*time.Second {
		t.Fatalf("beyond the burst: ok %v, wait %v", ok, wait)
	}
	if ok, _ := l.allow("bot_b"); !ok {
		t.Fatal("another bot has its own bucket")
	}
	rec := httptest.NewRecorder()
	tooMany(rec, wait)
	var body struct {
		OK         bool `json:"ok"`
		ErrorCode  int  `json:"error_code"`
		Parameters struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 429 || body.OK || body.ErrorCode != 429 ||
		body.Parameters.RetryAfter != 1 || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("429 answer: %d %s %v", rec.Code, rec.Body, err)
	}
}
