package contract

import (
	"time"

	"github.com/botdeck/botdeck/internal/replies"
)

// BotExportVersion is the version of the export document this Botdeck
// writes and the newest it imports.
const BotExportVersion = 1

// BotExport is one bot's setup as a JSON document (GET /api/bots/{id}/export,
// the body of POST /api/bots/{id}/import): replies with the uploads they
// use inlined (Data is base64 in JSON), the current code, the settings
// (secret values left out) and campaign definitions (not their links). No
// users, no token.
type BotExport struct {
	Botdeck    int              `json:"botdeck"`
	ExportedAt *time.Time       `json:"exportedAt,omitempty"`
	Bot        string           `json:"bot,omitempty"` // the name of the bot it came from, for people
	Replies    []replies.Reply  `json:"replies"`
	Uploads    []ExportUpload   `json:"uploads"`
	Code       *ExportCode      `json:"code"`
	Settings   []ExportSetting  `json:"settings"`
	Campaigns  []ExportCampaign `json:"campaigns"`
	// Segments are the bot's saved filters; nil (an older document) leaves
	// the target's segments alone.
	Segments []ExportSegment `json:"segments"`
}

// ExportSegment is a segment's definition: its name (what an import
// matches segments by) and filter.
type ExportSegment struct {
	Name   string        `json:"name"`
	Filter SegmentFilter `json:"filter"`
}

// ExportUpload is an upload a reply uses, with its bytes.
type ExportUpload struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// ExportCode is the bot's current code.
type ExportCode struct {
	Version int    `json:"version"`
	Source  string `json:"source"`
}

// ExportSetting is one setting; a secret's Value is always null.
type ExportSetting struct {
	Name   string  `json:"name"`
	Value  *string `json:"value"`
	Secret bool    `json:"secret"`
}

// ExportCampaign is a campaign's definition.
type ExportCampaign struct {
	Name        string `json:"name"`
	ChatID      int64  `json:"chatId"`
	Greeting    string `json:"greeting"`
	JoinRequest bool   `json:"joinRequest"`
}

// ImportResultJSON is what an import did, or would do on a dry run: each
// list names the things concerned ("reply /start", "code", "setting TOKEN",
// "campaign Spring").
type ImportResultJSON struct {
	DryRun   bool     `json:"dryRun"`
	Created  []string `json:"created"`
	Updated  []string `json:"updated"`
	Deleted  []string `json:"deleted"`
	Skipped  []string `json:"skipped"`
	Problems []string `json:"problems"`
}

// ImportFormRequest is the settings page's import form: a file (read
// apart), or the document carried by the confirm step, or another of the
// owner's bots to copy from; without Confirm it is a dry run.
type ImportFormRequest struct {
	From     string `form:"from"`
	Document string `form:"document"`
	Confirm  bool   `form:"confirm"`
}
