package core

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

// MaxUserImportSize is the largest CSV file an import takes (200 MB,
// about 3 million rows of a typical export).
const MaxUserImportSize = 200 << 20

// ImportBatch is how many rows one transaction of an import writes (a
// multi-row upsert each for users, properties and tags).
const ImportBatch = 1000

// MaxRejectedListed caps the rejected lines an import reports one by one;
// RejectedTotal counts them all.
const MaxRejectedListed = 1000

// What a CSV column may hold.
const (
	FieldUserID    = "user_id"
	FieldUsername  = "username"
	FieldFirstName = "first_name"
	FieldLastName  = "last_name"
	FieldLanguage  = "language"
	FieldTags      = "tags"
	FieldProp      = "prop"
	FieldIgnore    = "ignore"
)

// ImportFields are the choices of a column mapping, in the order a form
// offers them.
var ImportFields = []string{FieldUserID, FieldUsername, FieldFirstName, FieldLastName, FieldLanguage, FieldTags, FieldProp, FieldIgnore}

// ImportColumn says what one CSV column holds: a Field, and for
// FieldProp the property's name.
type ImportColumn struct {
	Field string `json:"field"`
	Prop  string `json:"prop,omitempty"`
}

// ImportRejection is a line of the file that was not imported, and why.
type ImportRejection struct {
	Line  int64  `json:"line"`
	Error string `json:"error"`
}

// ImportResult is what an import did: users created (Imported) and users
// that existed (Updated; a user_id repeated in the file counts once per
// batch it appears in), and the lines refused (the first
// MaxRejectedListed, and their count).
type ImportResult struct {
	Imported      int64             `json:"imported"`
	Updated       int64             `json:"updated"`
	Rejected      []ImportRejection `json:"rejected"`
	RejectedTotal int64             `json:"rejectedTotal"`
	Rows          int64             `json:"-"` // data rows read
	BytesRead     int64             `json:"-"`
}

func (r *ImportResult) reject(line int64, msg string) {
	r.RejectedTotal++
	if len(r.Rejected) < MaxRejectedListed {
		r.Rejected = append(r.Rejected, ImportRejection{Line: line, Error: msg})
	}
}

// importKeys maps header names (lower case, without spaces, "_" and "-")
// to what they hold. The read-only columns of Botdeck's own users export
// are ignored, so an export imports back as it was.
var importKeys = map[string]string{
	"userid": FieldUserID, "id": FieldUserID, "telegramid": FieldUserID,
	"username": FieldUsername, "firstname": FieldFirstName, "lastname": FieldLastName,
	"language": FieldLanguage, "languagecode": FieldLanguage, "lang": FieldLanguage,
	"tags": FieldTags,
	"name": FieldIgnore, "ispremium": FieldIgnore, "startedat": FieldIgnore, "lastseenat": FieldIgnore,
	"blocked": FieldIgnore, "botblocked": FieldIgnore,
}

// DefaultImportColumns reads a header row: known names are profile
// fields, user_id or tags; an empty name is ignored; any other column is
// a property of that name (lower case, spaces as "_").
func DefaultImportColumns(header []string) []ImportColumn {
	cols := make([]ImportColumn, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		key := strings.NewReplacer("_", "", " ", "", "-", "").Replace(strings.ToLower(h))
		switch f, ok := importKeys[key]; {
		case ok:
			cols[i] = ImportColumn{Field: f}
		case h == "":
			cols[i] = ImportColumn{Field: FieldIgnore}
		default:
			cols[i] = ImportColumn{Field: FieldProp, Prop: PropertyNameOf(h)}
		}
	}
	return cols
}

// PropertyNameOf is the property a column header names: lower case, with
// spaces and "-" as "_".
func PropertyNameOf(header string) string {
	return strings.NewReplacer(" ", "_", "-", "_").Replace(replies.NormalizeProperty(header))
}

// CheckImportColumns validates a mapping for a file with header: exactly
// one user_id column, each profile field and property at most once, valid
// property names. Field errors name columns[i] (with the header in the
// message).
func CheckImportColumns(header []string, cols []ImportColumn) error {
	fields := apperr.FieldErrors{}
	if len(cols) != len(header) {
		return apperr.Invalid(fmt.Sprintf("The mapping names %d columns; the file has %d.", len(cols), len(header)),
			apperr.FieldErrors{"columns": "must have one entry per column of the file"})
	}
	seen := map[string]int{}
	userIDs := 0
	for i, c := range cols {
		key := fmt.Sprintf("columns[%d]", i)
		name := strconv.Quote(strings.TrimSpace(header[i]))
		switch c.Field {
		case FieldUserID:
			userIDs++
		case FieldUsername, FieldFirstName, FieldLastName, FieldLanguage, FieldTags:
		case FieldProp:
			if !replies.ValidProperty(c.Prop) {
				fields[key] = "column " + name + ": " + strconv.Quote(c.Prop) + " is not a property name (a-z first, then a-z, 0-9 or _, up to 32); rename the column or ignore it"
				continue
			}
		case FieldIgnore:
			continue
		default:
			fields[key] = "column " + name + ": must be one of " + strings.Join(ImportFields, ", ")
			continue
		}
		id := c.Field + ":" + c.Prop
		if j, dup := seen[id]; dup {
			fields[key] = fmt.Sprintf("column %s: holds the same as column %d", name, j+1)
		}
		seen[id] = i
	}
	if userIDs == 0 {
		return apperr.Invalid("The file needs a user_id column (the users' Telegram ids).", apperr.FieldErrors{"user_id": "is required: a column named user_id"})
	}
	if userIDs > 1 {
		fields["user_id"] = "must be one column"
	}
	if len(fields) > 0 {
		return apperr.Invalid("Some columns cannot be imported.", fields)
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// CSVFile is a CSV file being read row by row: the UTF-8 byte order mark
// skipped, the separator (";" or ",") sniffed from the header line.
type CSVFile struct {
	Header []string
	Comma  rune
	r      *csv.Reader
	count  *countingReader
}

// OpenCSV reads the header of a CSV file. A file without any line is a
// 422.
func OpenCSV(body io.Reader) (*CSVFile, error) {
	count := &countingReader{r: body}
	br := bufio.NewReaderSize(count, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		br.Discard(3)
	}
	comma := sniffComma(br)
	r := csv.NewReader(br)
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, apperr.Invalid("The file is empty: the first line must name the columns (user_id, …).", apperr.FieldErrors{"file": "is empty"})
	}
	if err != nil {
		if e := bodyErr(err); e != nil {
			return nil, e
		}
		return nil, apperr.Invalid("The first line (the column names) could not be read: "+err.Error()+".", apperr.FieldErrors{"file": "is not CSV"})
	}
	header = append([]string(nil), header...)
	for i := range header {
		header[i] = models.CleanText(header[i])
	}
	return &CSVFile{Header: header, Comma: comma, r: r, count: count}, nil
}

// bodyErr passes on what is not the file's fault (a body too large, a
// broken connection).
func bodyErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil
	}
	return err
}

// sniffComma chooses ";" when the first line has more semicolons than
// commas outside quotes, else ",".
func sniffComma(br *bufio.Reader) rune {
	b, _ := br.Peek(br.Size())
	commas, semis, quoted := 0, 0, false
	for _, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			if semis > commas {
				return ';'
			}
			return ','
		case c == ',':
			commas++
		case c == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// Preview reads up to n data rows (for the mapping page).
func (f *CSVFile) Preview(n int) ([][]string, error) {
	var rows [][]string
	for len(rows) < n {
		rec, err := f.r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if e := bodyErr(err); e != nil {
				return nil, e
			}
			continue
		}
		row := make([]string, len(rec))
		for i := range rec {
			row[i] = models.CleanText(rec[i])
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// ImportProgress is called after each batch with the result so far;
// returning an error stops the import.
type ImportProgress func(res *ImportResult) error

// ImportCSV imports the owner's bot's users from a CSV body whose header
// names the columns (DefaultImportColumns). open gives the body once the
// bot is known to be the owner's.
func (a *Audience) ImportCSV(ctx context.Context, ownerID, botID string, open func() (io.Reader, error), progress ImportProgress) (*ImportResult, error) {
	b, err := a.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	body, err := open()
	if err != nil {
		return nil, err
	}
	return ImportUsersCSV(ctx, a.db, b.ID, body, nil, progress)
}

// ImportUsersCSV reads a CSV file row by row and writes its users in
// batches of ImportBatch, one transaction each: memory stays the same
// whatever the file's length. cols maps the columns (nil: from the
// header). Lines that cannot be imported are rejected with their number;
// a user_id seen twice takes the later line's values.
func ImportUsersCSV(ctx context.Context, db bun.IDB, botID string, body io.Reader, cols []ImportColumn, progress ImportProgress) (*ImportResult, error) {
	f, err := OpenCSV(body)
	if err != nil {
		return nil, err
	}
	if cols == nil {
		cols = DefaultImportColumns(f.Header)
	}
	if err := CheckImportColumns(f.Header, cols); err != nil {
		return nil, err
	}
	return f.importRows(ctx, db, botID, cols, progress)
}

func (f *CSVFile) importRows(ctx context.Context, db bun.IDB, botID string, cols []ImportColumn, progress ImportProgress) (*ImportResult, error) {
	res := &ImportResult{Rejected: []ImportRejection{}}
	batch := make([]models.ImportRow, 0, ImportBatch)
	at := make(map[int64]int, ImportBatch) // user id → index in batch
	flush := func() error {
		if len(batch) > 0 {
			err := inTx(ctx, db, func(ctx context.Context, tx bun.IDB) error {
				created, existed, err := models.ImportUsers(ctx, tx, botID, batch, models.Now())
				res.Imported += int64(created)
				res.Updated += int64(existed)
				return err
			})
			if err != nil {
				return err
			}
			batch = batch[:0]
			clear(at)
		}
		res.BytesRead = f.count.n
		if progress != nil {
			return progress(res)
		}
		return nil
	}
	for {
		rec, err := f.r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if e := bodyErr(err); e != nil {
				return nil, e
			}
			var pe *csv.ParseError
			errors.As(err, &pe)
			res.Rows++
			res.reject(int64(pe.StartLine), "not valid CSV: "+pe.Err.Error())
			continue
		}
		if blank(rec) {
			continue
		}
		res.Rows++
		line, _ := f.r.FieldPos(0)
		row, msg := importRow(rec, cols)
		if msg != "" {
			res.reject(int64(line), msg)
			continue
		}
		if i, dup := at[row.UserID]; dup {
			batch[i] = row // the later line wins
			continue
		}
		at[row.UserID] = len(batch)
		batch = append(batch, row)
		if len(batch) == ImportBatch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return res, nil
}

// inTx runs fn in a transaction of db (or in db's own when it is one).
func inTx(ctx context.Context, db bun.IDB, fn func(ctx context.Context, tx bun.IDB) error) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return fn(ctx, tx) })
}

func blank(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// Limits on imported text.
const (
	maxImportName     = 256 // names and usernames
	maxImportLanguage = 35
)

// importRow reads one record as mapped by cols; msg says why it cannot be
// imported.
func importRow(rec []string, cols []ImportColumn) (row models.ImportRow, msg string) {
	for i, c := range cols {
		if c.Field == FieldIgnore {
			continue
		}
		var v string
		if i < len(rec) {
			v = strings.TrimSpace(models.CleanText(rec[i]))
		}
		switch c.Field {
		case FieldUserID:
			id, err := strconv.ParseInt(v, 10, 64)
			if v == "" {
				return row, "user_id is empty"
			}
			if err != nil || id <= 0 {
				return row, "user_id " + strconv.Quote(clip(v)) + " is not a Telegram id (a positive whole number)"
			}
			row.UserID = id
		case FieldUsername:
			v = strings.TrimPrefix(unguard(v), "@")
			if msg := tooLong("username", v, maxImportName); msg != "" {
				return row, msg
			}
			row.Username = v
		case FieldFirstName:
			row.FirstName = unguard(v)
			if msg := tooLong("first_name", row.FirstName, maxImportName); msg != "" {
				return row, msg
			}
		case FieldLastName:
			row.LastName = unguard(v)
			if msg := tooLong("last_name", row.LastName, maxImportName); msg != "" {
				return row, msg
			}
		case FieldLanguage:
			if msg := tooLong("language", v, maxImportLanguage); msg != "" {
				return row, msg
			}
			row.Language = v
		case FieldTags:
			for t := range strings.SplitSeq(v, ";") {
				t = replies.NormalizeTag(t)
				if t == "" {
					continue
				}
				if !replies.ValidTag(t) {
					return row, "tag " + strconv.Quote(clip(t)) + " is not a tag (up to 32 letters, digits, _ or -, no spaces)"
				}
				if !contains(row.Tags, t) {
					row.Tags = append(row.Tags, t)
				}
			}
		case FieldProp:
			if v == "" {
				continue // an empty cell keeps what is stored
			}
			value, msg := PropertyValueOf(unguard(v))
			if msg != "" {
				return row, c.Prop + " " + msg
			}
			row.Props = append(row.Props, models.ImportProp{Name: c.Prop, Value: value})
		}
	}
	return row, ""
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func tooLong(what, v string, max int) string {
	if utf8.RuneCountInString(v) > max {
		return what + " is longer than " + strconv.Itoa(max) + " characters"
	}
	return ""
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// unguard undoes the users export's guard against spreadsheet formulas (a
// "'" before = + - @, see views.CSVText), so an export imports back as it
// was.
func unguard(s string) string {
	if rest, ok := strings.CutPrefix(s, "'"); ok && rest != "" {
		switch r, _ := utf8.DecodeRuneInString(rest); r {
		case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
			return rest
		}
	}
	return s
}

var (
	numberRe = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,14})(\.[0-9]+)?$`)
	dateRe   = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}`)
)

// PropertyValueOf types a cell as properties are stored (JSON): true and
// false are booleans, a plain decimal number (no leading zeros, so phone
// numbers and zip codes stay text; at most 15 digits before the point) a
// number, a date (YYYY-MM-DD, or an RFC 3339 time's UTC day) a
// "YYYY-MM-DD" string as the user page's date type keeps it, anything
// else a string of at most replies.MaxValueLength characters.
func PropertyValueOf(s string) (value string, msg string) {
	var v any = s
	switch low := strings.ToLower(s); {
	case low == "true" || low == "false":
		v = low == "true"
	case numberRe.MatchString(s):
		f, err := strconv.ParseFloat(s, 64)
		if err == nil && !math.IsInf(f, 0) {
			v = f
		}
	case dateRe.MatchString(s):
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			v = s
		} else if t, err := time.Parse(time.RFC3339, s); err == nil {
			v = t.UTC().Format(time.DateOnly)
		}
	}
	if str, ok := v.(string); ok && utf8.RuneCountInString(str) > replies.MaxValueLength {
		return "", "is longer than " + strconv.Itoa(replies.MaxValueLength) + " characters"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", "cannot be stored"
	}
	return string(b), ""
}
