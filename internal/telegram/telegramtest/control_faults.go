package telegramtest

import (
	"net/http"
	"time"
)

// Control API: injected failures and flood control.

type failBody struct {
	BotToken    string `json:"botToken"`
	Method      string `json:"method"`
	Code        int    `json:"code"`
	Description string `json:"description"`
	RetryAfter  int    `json:"retryAfter"`
	Times       int    `json:"times"`
	Network     bool   `json:"network"`
	DelayMs     int    `json:"delayMs"`
	RawBody     string `json:"rawBody"`
}

func (s *Server) ctlFail(r *http.Request) (any, error) {
	var body failBody
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if body.Code == 0 && !body.Network && body.DelayMs == 0 && body.RawBody == "" {
		return nil, badControl("give code, network, delayMs or rawBody")
	}
	return true, s.Fail(body.BotToken, body.Method, FailSpec{
		Code: body.Code, Description: body.Description, RetryAfter: body.RetryAfter, Times: body.Times,
		Network: body.Network, Delay: time.Duration(body.DelayMs) * time.Millisecond, RawBody: body.RawBody,
	})
}

func (s *Server) ctlClearFailures(r *http.Request) (any, error) {
	var body tokenBody
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	s.ClearFailures(body.BotToken)
	return true, nil
}

func (s *Server) ctlSendRate(r *http.Request) (any, error) {
	var body struct {
		BotToken  string  `json:"botToken"`
		PerSecond float64 `json:"perSecond"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	return true, s.SetSendRate(body.BotToken, body.PerSecond)
}
