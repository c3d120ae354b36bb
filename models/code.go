package models

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// CodeVersionsKept is how many versions of a bot's code are kept; older
// ones are pruned when a version is added.
const CodeVersionsKept = 50

// CodeVersion is one saved version of a bot's JavaScript. Versions are
// append-only: restoring saves the old source again as a new version.
type CodeVersion struct {
	bun.BaseModel `bun:"table:bot_code_versions"`

	BotID        string    `bun:"bot_id,pk"`
	Version      int       `bun:"version,pk"`
	Source       string    `bun:"source"`
	Handlers     []string  `bun:"handlers"`
	Size         int       `bun:"size"`
	RestoredFrom *int      `bun:"restored_from"`
	CreatedBy    string    `bun:"created_by"`
	CreatedAt    time.Time `bun:"created_at"`
}

// CodeJSON is GET /api/bots/{id}/code: the current code. A bot without
// code has version 0, an empty source and no handlers.
type CodeJSON struct {
	Source    string     `json:"source"`
	Version   int        `json:"version"`
	UpdatedAt *time.Time `json:"updatedAt"`
	Handlers  []string   `json:"handlers"`
}

// SavedCodeJSON answers a save or a restore.
type SavedCodeJSON struct {
	Version      int        `json:"version"`
	Handlers     []string   `json:"handlers"`
	UpdatedAt    *time.Time `json:"updatedAt"`
	RestoredFrom *int       `json:"restoredFrom"`
}

// CodeVersionJSON is one entry of the version history.
type CodeVersionJSON struct {
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"createdAt"`
	Handlers     []string  `json:"handlers"`
	Size         int       `json:"size"`
	RestoredFrom *int      `json:"restoredFrom"`
	Current      bool      `json:"current"`
}

// CodeVersionSourceJSON is one version with its source.
type CodeVersionSourceJSON struct {
	CodeVersionJSON
	Source string `json:"source"`
}

// JSON returns the history shape of v; current is the bot's code version.
func (v *CodeVersion) JSON(current int) CodeVersionJSON {
	h := v.Handlers
	if h == nil {
		h = []string{}
	}
	return CodeVersionJSON{Version: v.Version, CreatedAt: v.CreatedAt, Handlers: h, Size: v.Size,
		RestoredFrom: v.RestoredFrom, Current: v.Version == current}
}

// SaveCodeRequest is PUT /api/bots/{id}/code and the editor's form.
// BaseVersion, when given, is the version the edit started from: saving
// over a newer version is a conflict (409), so two editors cannot
// silently overwrite each other.
type SaveCodeRequest struct {
	Source      string `json:"source" form:"source"`
	BaseVersion *int   `json:"baseVersion" form:"baseVersion" validate:"omitempty,min=0"`
}

// Normalize turns the browser's CRLF line ends into LF, so a save from the
// plain form and one from the API store the same text.
func (r *SaveCodeRequest) Normalize() { r.Source = strings.ReplaceAll(r.Source, "\r\n", "\n") }

// ListCodeVersionsRequest pages the version history.
type ListCodeVersionsRequest struct {
	Page `form:",inline"`
}

// TestCodeRequest is POST /api/bots/{id}/code/test and the test panel's
// form: one request to a handler of the saved code, run as the custom
// webhook would run it. In JSON, query is an object of strings and body
// any JSON value (absent means none); the form sends query as a query
// string ("a=1&b=2") and body as JSON text.
type TestCodeRequest struct {
	Method    string            `json:"method" form:"method" validate:"omitempty,oneof=GET HEAD POST PUT PATCH DELETE OPTIONS"`
	Path      string            `json:"path" form:"path" validate:"required,max=200"`
	Query     map[string]string `json:"query" validate:"max=100,dive,keys,max=200,endkeys,max=2000"`
	QueryText string            `json:"-" form:"query" validate:"max=20000"`
	Body      json.RawMessage   `json:"body"`
	BodyText  string            `json:"-" form:"body"`
}

// Normalize fills the method's default (POST), and the query from the
// form's query string.
func (r *TestCodeRequest) Normalize() {
	r.Method = strings.ToUpper(strings.TrimSpace(r.Method))
	if r.Method == "" {
		r.Method = "POST"
	}
	r.Path = strings.TrimSpace(r.Path)
	if q := strings.TrimPrefix(strings.TrimSpace(r.QueryText), "?"); q != "" && r.Query == nil {
		values, _ := url.ParseQuery(q)
		r.Query = make(map[string]string, len(values))
		for k, v := range values {
			if len(v) > 0 {
				r.Query[k] = v[0]
			}
		}
	}
	if strings.TrimSpace(r.BodyText) != "" && r.Body == nil {
		r.Body = json.RawMessage(r.BodyText)
	}
}

// AddCodeVersion saves v as the bot's new current version, numbering it
// after the current one, and prunes versions beyond CodeVersionsKept. With
// base set, it saves only if the current version is still *base; ok is
// false otherwise. Run it in a transaction.
func AddCodeVersion(ctx context.Context, db bun.IDB, v *CodeVersion, base *int) (ok bool, err error) {
	q := db.NewUpdate().Model((*Bot)(nil)).Set("code_version = code_version + 1").
		Set("code_updated_at = ?", v.CreatedAt).Set("updated_at = ?", v.CreatedAt).Where("id = ?", v.BotID)
	if base != nil {
		q = q.Where("code_version = ?", *base)
	}
	var versions []int
	if _, err := q.Returning("code_version").Exec(ctx, &versions); err != nil {
		return false, err
	}
	if len(versions) == 0 {
		return false, nil
	}
	v.Version = versions[0]
	if v.Handlers == nil {
		v.Handlers = []string{}
	}
	v.Size = len(v.Source)
	if _, err := db.NewInsert().Model(v).Exec(ctx); err != nil {
		return false, err
	}
	_, err = db.NewDelete().Model((*CodeVersion)(nil)).Where("bot_id = ?", v.BotID).
		Where("version <= ?", v.Version-CodeVersionsKept).Exec(ctx)
	return err == nil, err
}

// CodeVersionByNumber returns one version of a bot's code.
func CodeVersionByNumber(ctx context.Context, db bun.IDB, botID string, version int) (*CodeVersion, error) {
	v := new(CodeVersion)
	err := db.NewSelect().Model(v).Where("bot_id = ?", botID).Where("version = ?", version).Scan(ctx)
	return v, notFoundAs(err, "version")
}

// ListCodeVersions returns one page of a bot's versions, newest first,
// without their sources, and how many are kept.
func ListCodeVersions(ctx context.Context, db bun.IDB, botID string, p Page) ([]CodeVersion, int, error) {
	versions := []CodeVersion{}
	total, err := db.NewSelect().Model(&versions).ExcludeColumn("source").Where("bot_id = ?", botID).
		Order("version DESC").Limit(int64(p.Size())).Offset(int64(p.Offset())).ScanAndCount(ctx)
	return versions, int(total), err
}

// BotCodeVersion reads a bot's current code version and status.
func BotCodeVersion(ctx context.Context, db bun.IDB, botID string) (version int, status string, err error) {
	var b Bot
	err = db.NewSelect().Model(&b).Column("code_version", "status").Where("id = ?", botID).Scan(ctx)
	return b.CodeVersion, b.Status, notFoundAs(err, "bot")
}
