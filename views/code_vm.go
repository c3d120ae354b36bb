package views

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// StarterCode is what the editor shows for a bot without code.
const StarterCode = `// Each handler answers requests to its public URL, /custom/<bot id>/<name>.
// It gets the query string (strings), the JSON body ({} when none), the
// database, the response and the params ({botId, customPath, method}).
logic['hello'] = async (query, body, db, response, params) => {
  const name = query.name || 'world';
  console.log('hello was called for', name);
  return { greeting: 'Hello, ' + name + '!' };
};

// Store documents and message people through the bot:
// logic['notify'] = async (query, body, db, response) => {
//   await db.operation.updateOne('stats', { _id: 'notify' }, { $inc: { calls: 1 } }, { upsert: true });
//   const user = await db.operation.findOne('users', { username: body.username });
//   if (!user) {
//     response.statusCode = 404;
//     response.message = 'unknown user';
//     return;
//   }
//   await bot.telegram.sendMessage(user.userId, body.text);
//   response.statusCode = 202;
//   return { sent: true };
// };
`

// CodeVM is the code editor page of one bot.
type CodeVM struct {
	Bot       *models.Bot
	BaseURL   string // where users reach Botdeck, for the handlers' URLs
	Source    string // the editor's text
	Starter   bool   // Source is StarterCode: the bot has no code
	Version   int    // the current version, 0 when none
	UpdatedAt *time.Time
	Handlers  []string
	// UpdateHandlers are the update handlers, in match order ("command /start").
	UpdateHandlers []string
	Versions       []models.CodeVersion
	Errors         []models.BotLog

	// After a save from the plain form that did not go through.
	Compile *CompileErrorVM
	Message string

	Test     TestFormVM
	Simulate SimulateFormVM
}

// CompileErrorVM is a compile error shown at its line.
type CompileErrorVM struct {
	Message      string
	Line, Column int
}

// Text is the error as one line.
func (e CompileErrorVM) Text() string {
	if e.Line > 0 {
		return fmt.Sprintf("Line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return e.Message
}

// LineAttr and ColumnAttr are the data attributes the editor script reads.
func (e CompileErrorVM) LineAttr() string   { return strconv.Itoa(e.Line) }
func (e CompileErrorVM) ColumnAttr() string { return strconv.Itoa(e.Column) }

// NewCodeVM builds the editor page from the current code (nil when none).
func NewCodeVM(b *models.Bot, current *models.CodeVersion, updateHandlers []string, versions []models.CodeVersion, errs []models.BotLog, baseURL string) CodeVM {
	vm := CodeVM{Bot: b, BaseURL: strings.TrimRight(baseURL, "/"), Versions: versions, Errors: errs, Source: StarterCode, Starter: true,
		UpdateHandlers: updateHandlers, Simulate: SimulateFormVM{Template: "start"}}
	if current != nil {
		vm.Source, vm.Starter, vm.Version, vm.Handlers = current.Source, false, current.Version, current.Handlers
		vm.UpdatedAt = b.CodeUpdatedAt
	}
	vm.Test = TestFormVM{Method: "POST", Body: "{}"}
	if len(vm.Handlers) > 0 {
		vm.Test.Path = vm.Handlers[0]
	}
	return vm
}

// ID is the bot's id.
func (vm CodeVM) ID() string { return vm.Bot.ID }

// Base is the page's URL.
func (vm CodeVM) Base() string { return "/bots/" + vm.Bot.ID + "/code" }

// Deleted reports whether the bot is disconnected: its code is kept, not run.
func (vm CodeVM) Deleted() bool { return vm.Bot.Status == models.BotDeleted }

// Stopped reports whether the bot is stopped: its webhooks answer 403.
func (vm CodeVM) Stopped() bool { return vm.Bot.Status == models.BotStopped }

// VersionAttr is the base version the form sends.
func (vm CodeVM) VersionAttr() string { return strconv.Itoa(vm.Version) }

// VersionText describes the current version.
func (vm CodeVM) VersionText() string {
	if vm.Version == 0 {
		return "No code saved yet: the editor holds a starter template."
	}
	s := "Version " + strconv.Itoa(vm.Version)
	if vm.UpdatedAt != nil {
		s += ", saved " + DateTime(*vm.UpdatedAt)
	}
	return s + "."
}

// HandlerURL is a handler's public URL.
func (vm CodeVM) HandlerURL(name string) string {
	return vm.BaseURL + "/custom/" + vm.Bot.ID + "/" + name
}

// CurlExample is a command that calls a handler.
func (vm CodeVM) CurlExample(name string) string {
	return "curl -X POST '" + vm.HandlerURL(name) + "?name=Ann' \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"text\": \"hi\"}'"
}

// IsCurrent reports whether v is the current version.
func (vm CodeVM) IsCurrent(v models.CodeVersion) bool { return v.Version == vm.Version }

// VersionURL links to one version.
func (vm CodeVM) VersionURL(v int) string { return vm.Base() + "/versions/" + strconv.Itoa(v) }

// RestoreURL is where a version's restore form posts.
func (vm CodeVM) RestoreURL(v int) string { return vm.VersionURL(v) + "/restore" }

// VersionSummary is one history line: when, and what it held.
func VersionSummary(v models.CodeVersion) string {
	parts := []string{DateTime(v.CreatedAt)}
	switch n := len(v.Handlers); n {
	case 0:
	case 1:
		parts = append(parts, "handler "+v.Handlers[0])
	default:
		parts = append(parts, strconv.Itoa(n)+" handlers")
	}
	if v.RestoredFrom != nil {
		parts = append(parts, "restored from version "+strconv.Itoa(*v.RestoredFrom))
	}
	return strings.Join(parts, " · ")
}

// VersionLabel is "Version N".
func VersionLabel(v int) string { return "Version " + strconv.Itoa(v) }

// HandlerLogsURL is the bot's log filtered to its handlers.
func (vm CodeVM) HandlerLogsURL() string {
	return "/bots/" + vm.Bot.ID + "/logs?source=" + models.SourceHandler
}

// VersionsURL lists every kept version.
func (vm CodeVM) VersionsURL() string { return vm.Base() + "/versions" }

// HasCompileError reports whether a failed save is shown.
func (vm CodeVM) HasCompileError() bool { return vm.Compile != nil }

// TestFormVM is the test panel: the request and, after a run, the answer.
type TestFormVM struct {
	Method, Path, Query, Body string
	Fields                    apperr.FieldErrors
	Message                   string
	Result                    *TestResultVM
}

// Methods are the test panel's choices.
func (TestFormVM) Methods() []string { return []string{"GET", "POST", "PUT", "PATCH", "DELETE"} }

// TestFormFromRequest keeps what was typed into the panel.
func TestFormFromRequest(in contract.TestCodeRequest, fields apperr.FieldErrors, message string) TestFormVM {
	body := in.BodyText
	if body == "" && len(in.Body) > 0 {
		body = string(in.Body)
	}
	query := in.QueryText
	if query == "" && len(in.Query) > 0 {
		keys := make([]string, 0, len(in.Query))
		for k := range in.Query {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for i, k := range keys {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(k + "=" + in.Query[k])
		}
		query = b.String()
	}
	return TestFormVM{Method: in.Method, Path: in.Path, Query: query, Body: body, Fields: fields, Message: message}
}

// TestResultVM is the answer of a test run.
type TestResultVM struct {
	Status      int
	Headers     [][2]string // sorted by name
	Body        string      // pretty JSON
	Logs        []TestLogVM
	LogsDropped int
	Duration    time.Duration
	Error       *TestErrorVM
}

// TestLogVM is one console line.
type TestLogVM struct{ Level, Message string }

// TestErrorVM is a handler's failure in full.
type TestErrorVM struct {
	Kind, Message, Stack string
	Line, Column         int
}

// NewTestResultVM describes a run's answer.
func NewTestResultVM(status int, headers map[string]string, body []byte, logs []TestLogVM, dropped int, d time.Duration, e *TestErrorVM) *TestResultVM {
	r := &TestResultVM{Status: status, Logs: logs, LogsDropped: dropped, Duration: d, Error: e}
	for k, v := range headers {
		r.Headers = append(r.Headers, [2]string{k, v})
	}
	sort.Slice(r.Headers, func(i, j int) bool { return r.Headers[i][0] < r.Headers[j][0] })
	var pretty strings.Builder
	var v any
	if json.Unmarshal(body, &v) == nil {
		enc := json.NewEncoder(&pretty)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
	}
	r.Body = strings.TrimSpace(pretty.String())
	return r
}

// StatusText is "200 OK".
func (r TestResultVM) StatusText() string {
	return strconv.Itoa(r.Status) + " " + statusName(r.Status)
}

// OK reports a success status.
func (r TestResultVM) OK() bool { return r.Status < 400 }

// DurationText is the run's time in milliseconds.
func (r TestResultVM) DurationText() string {
	ms := float64(r.Duration.Microseconds()) / 1000
	if ms < 10 {
		return strconv.FormatFloat(ms, 'f', 2, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}

// Summary announces the outcome.
func (r TestResultVM) Summary() string {
	return "Test finished: " + r.StatusText() + " in " + r.DurationText() + "."
}

// Where locates the error in the source.
func (e TestErrorVM) Where() string {
	if e.Line == 0 {
		return ""
	}
	return fmt.Sprintf("Line %d, column %d", e.Line, e.Column)
}

func statusName(code int) string {
	names := map[int]string{200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
		403: "Forbidden", 404: "Not Found", 409: "Conflict", 413: "Content Too Large", 422: "Unprocessable Content",
		429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
	return names[code]
}

// testResultClass colours the status badge (the text carries the meaning).
func testResultClass(ok bool) string {
	if ok {
		return "bg-emerald-50 text-emerald-800 ring-emerald-600/30"
	}
	return "bg-red-50 text-red-800 ring-red-600/30"
}

// CodeVersionsVM is the version history page.
type CodeVersionsVM struct {
	Bot        *models.Bot
	Versions   []models.CodeVersion
	Pagination contract.Pagination
}

// Code gives the history page the editor's helpers.
func (vm CodeVersionsVM) Code() CodeVM { return CodeVM{Bot: vm.Bot, Version: vm.Bot.CodeVersion} }

// PageURL links to another page of the history.
func (vm CodeVersionsVM) PageURL(page int) string {
	u := "/bots/" + vm.Bot.ID + "/code/versions"
	if page > 1 {
		u += "?page=" + strconv.Itoa(page)
	}
	return u
}

// CodeVersionVM is one version's page.
type CodeVersionVM struct {
	Bot     *models.Bot
	Version *models.CodeVersion
	Message string // why a restore did not go through
}

// Code gives the version page the editor's helpers.
func (vm CodeVersionVM) Code() CodeVM { return CodeVM{Bot: vm.Bot, Version: vm.Bot.CodeVersion} }

// Lines numbers the source for display.
func (vm CodeVersionVM) Lines() []string {
	return strings.Split(strings.TrimSuffix(vm.Version.Source, "\n"), "\n")
}
