package views

import (
	"strconv"
	"unicode/utf8"

	"github.com/botdeck/botdeck/models"
)

// UserImportPath is the page of one import of a bot's users.
func UserImportPath(botID, importID string) string { return "/bots/" + botID + "/user-imports/" + importID }

// UserImportUploadVM is the form that uploads a CSV file to import.
type UserImportUploadVM struct {
	Bot   *models.Bot
	Error string
}

// Action is where the file is posted.
func (vm UserImportUploadVM) Action() string { return "/bots/" + vm.Bot.ID + "/user-imports" }

// ImportFieldOption is one choice of a column's mapping.
type ImportFieldOption struct{ Value, Label string }

// ImportFieldOptions are what a column may hold.
var ImportFieldOptions = []ImportFieldOption{
	{"user_id", "User id (required)"}, {"username", "Username"}, {"first_name", "First name"}, {"last_name", "Last name"},
	{"language", "Language"}, {"tags", "Tags (separated by ;)"}, {"prop", "Property"}, {"ignore", "Ignore"},
}

// ImportColumnVM is one column of a staged file: its header, what it is
// mapped to, and the values of the preview's first rows.
type ImportColumnVM struct {
	Index  int
	Header string
	Field  string
	Prop   string
}

// Label names the column for its controls.
func (c ImportColumnVM) Label() string {
	if c.Header == "" {
		return "Column " + strconv.Itoa(c.Index+1)
	}
	return "Column “" + c.Header + "”"
}

// SelectID and PropID are the ids of the column's controls.
func (c ImportColumnVM) SelectID() string { return "import-col-" + strconv.Itoa(c.Index) }
func (c ImportColumnVM) PropID() string   { return "import-prop-" + strconv.Itoa(c.Index) }

// ImportRejectionVM is a line the import refused.
type ImportRejectionVM struct {
	Line  int64
	Error string
}

// UserImportVM is an import's page: preview and mapping while staged,
// progress while running, the outcome at the end.
type UserImportVM struct {
	Bot      *models.Bot
	ID       string
	FileName string
	Size     int64
	Status   string // staged, running, done, failed
	Stalled  bool   // running but silent: may be run again
	Comma    rune
	Columns  []ImportColumnVM
	Rows     [][]string
	Error    string // the form's error, or why the import failed

	BytesRead     int64
	RowsRead      int64
	Imported      int64
	Updated       int64
	RejectedTotal int64
	Rejected      []ImportRejectionVM
}

// Path is the import's page; RunAction where the mapping is posted.
func (vm UserImportVM) Path() string      { return UserImportPath(vm.Bot.ID, vm.ID) }
func (vm UserImportVM) RunAction() string { return vm.Path() + "/run" }

// UsersPath is the bot's users list; UploadPath the upload form.
func (vm UserImportVM) UsersPath() string  { return "/bots/" + vm.Bot.ID + "/users" }
func (vm UserImportVM) UploadPath() string { return "/bots/" + vm.Bot.ID + "/users/import" }

// Mapping reports whether the page shows the preview and mapping form.
func (vm UserImportVM) Mapping() bool {
	return vm.Status == models.ImportStaged || vm.Stalled
}

// Running reports whether the page follows progress.
func (vm UserImportVM) Running() bool { return vm.Status == models.ImportRunning && !vm.Stalled }

// Done and Failed are the ends.
func (vm UserImportVM) Done() bool   { return vm.Status == models.ImportDone }
func (vm UserImportVM) Failed() bool { return vm.Status == models.ImportFailed }

// FileText describes the staged file.
func (vm UserImportVM) FileText() string {
	name := vm.FileName
	if name == "" {
		name = "The file"
	}
	sep := "commas"
	if vm.Comma == ';' {
		sep = "semicolons"
	}
	return name + " · " + SizeText(vm.Size) + " · columns separated by " + sep
}

// Percent is how much of the file has been read (0–100).
func (vm UserImportVM) Percent() int {
	if vm.Size <= 0 {
		return 0
	}
	return int(min(100, vm.BytesRead*100/vm.Size))
}

// Cell is a preview value of row r, column c ("" past the row's end),
// shortened.
func (vm UserImportVM) Cell(r []string, c int) string {
	if c >= len(r) {
		return ""
	}
	s := r[c]
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

// SizeText is a file size for people: bytes, KB or MB.
func SizeText(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1<<20:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

// ImportURL is the users list's way to the CSV import.
func (vm UsersVM) ImportURL() string { return "/bots/" + vm.Bot.ID + "/users/import" }
