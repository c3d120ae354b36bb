package views

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
)

// SimulateFormVM is the "simulate an update" panel: a template and its
// text (or an update as JSON) and, after a run, what the bot would do.
type SimulateFormVM struct {
	Template, Text, Update string
	Fields                 apperr.FieldErrors
	Message                string
	Result                 *SimulateResultVM
}

// SimulateTemplate is one choice of the panel.
type SimulateTemplate struct{ Value, Label, TextLabel string }

// Templates are the panel's update templates.
func (SimulateFormVM) Templates() []SimulateTemplate {
	return []SimulateTemplate{
		{"start", "/start command", "Argument after /start (a deep-link source)"},
		{"text", "Text message", "Message text"},
		{"button", "Button press", "Button data"},
		{"join", "Joins a group", "Not used"},
	}
}

// SimulateFormFromRequest keeps what was typed into the panel.
func SimulateFormFromRequest(in contract.TestCodeRequest, fields apperr.FieldErrors, message string) SimulateFormVM {
	t := SimulateFormVM{Template: in.Template, Text: in.Text, Update: in.UpdateText, Fields: fields, Message: message}
	if t.Template == "" && t.Update == "" && len(in.Update) > 0 {
		t.Update = string(in.Update)
	}
	return t
}

// SimulateResultVM is what the code did with the simulated update.
type SimulateResultVM struct {
	Handled     bool
	Handler     string
	Messages    []SimulatedMessageVM
	Actions     []string
	Logs        []TestLogVM
	LogsDropped int
	Duration    time.Duration
	Error       *TestErrorVM
}

// Summary announces the outcome.
func (r SimulateResultVM) Summary() string {
	switch {
	case r.Error != nil:
		return "The handler failed: nothing would be sent."
	case !r.Handled:
		return "No update handler takes this update: the fallback reply would answer."
	}
	n := len(r.Messages)
	s := "s"
	if n == 1 {
		s = ""
	}
	return fmt.Sprintf("%s took the update and would send %d Telegram call%s.", r.Handler, n, s)
}

// DurationText is the run's time.
func (r SimulateResultVM) DurationText() string {
	return TestResultVM{Duration: r.Duration}.DurationText()
}

// SimulatedMessageVM is one queued Bot API call.
type SimulatedMessageVM struct {
	Method string
	Text   string // the message's text or caption, or the callback answer's
	Params string // every parameter, as JSON
}

// NewSimulatedMessageVM describes a queued call.
func NewSimulatedMessageVM(method string, params map[string]any) SimulatedMessageVM {
	m := SimulatedMessageVM{Method: method}
	for _, k := range []string{"text", "caption", "photo"} {
		if v, ok := params[k].(string); ok && v != "" {
			m.Text = v
			break
		}
	}
	b, _ := json.MarshalIndent(params, "", "  ")
	m.Params = string(b)
	return m
}

// UserActionText describes a ctx.user change: "set plan = \"pro\"", "tag buyer".
func UserActionText(op, name string, value any) string {
	if op == "set" {
		b, _ := json.Marshal(value)
		return "set " + name + " = " + string(b)
	}
	return strings.TrimSpace(op + " " + name)
}
