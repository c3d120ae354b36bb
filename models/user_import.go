package models

import (
	"context"
	"io"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/uptrace/bun"
)

// UserImportIDPrefix is the prefix of user import ids.
const UserImportIDPrefix = "imp"

// Statuses of a user import.
const (
	ImportStaged  = "staged"  // the file is stored, waiting for its column mapping
	ImportRunning = "running" // rows are being written; Progress moves
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// ImportChunkSize is the size of the pieces a staged file is stored in.
const ImportChunkSize = 1 << 20

// UserImport is one CSV import of a bot's users made from the dashboard:
// the staged file (in user_import_chunks until the import ends), the
// mapping (Columns, JSON), and progress and outcome.
type UserImport struct {
	bun.BaseModel `bun:"table:user_imports"`

	ID            string     `bun:"id,pk"`
	BotID         string     `bun:"bot_id"`
	FileName      string     `bun:"file_name"`
	Size          int64      `bun:"size"`
	Status        string     `bun:"status"`
	Columns       string     `bun:"columns"`
	BytesRead     int64      `bun:"bytes_read"`
	RowsRead      int64      `bun:"rows_read"`
	Imported      int64      `bun:"imported"`
	Updated       int64      `bun:"updated"`
	RejectedTotal int64      `bun:"rejected_total"`
	Rejected      string     `bun:"rejected"` // JSON [{line, error}], the first ones
	Error         string     `bun:"error"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
	FinishedAt    *time.Time `bun:"finished_at"`
}

// userImportChunk is a piece of a staged file.
type userImportChunk struct {
	bun.BaseModel `bun:"table:user_import_chunks"`

	ImportID string `bun:"import_id,pk"`
	Seq      int    `bun:"seq,pk"`
	Data     []byte `bun:"data"`
}

// InsertUserImport stores a new import row.
func InsertUserImport(ctx context.Context, db bun.IDB, imp *UserImport) error {
	_, err := db.NewInsert().Model(imp).Exec(ctx)
	return wrap("insert user import", err)
}

// AddUserImportChunk stores piece seq of an import's file.
func AddUserImportChunk(ctx context.Context, db bun.IDB, importID string, seq int, data []byte) error {
	_, err := db.NewInsert().Model(&userImportChunk{ImportID: importID, Seq: seq, Data: data}).Exec(ctx)
	return wrap("add user import chunk", err)
}

// SetUserImportSize records the staged file's size once it is stored.
func SetUserImportSize(ctx context.Context, db bun.IDB, importID string, size int64) error {
	_, err := db.NewUpdate().Model((*UserImport)(nil)).Set("size = ?", size).Where("id = ?", importID).Exec(ctx)
	return wrap("set user import size", err)
}

// UserImportOfBot finds one import of a bot (404 otherwise).
func UserImportOfBot(ctx context.Context, db bun.IDB, botID, id string) (*UserImport, error) {
	imp := new(UserImport)
	err := db.NewSelect().Model(imp).Where("id = ?", id).Where("bot_id = ?", botID).Scan(ctx)
	return imp, wrap("user import of bot", notFoundAs(err, "import"))
}

// ClaimUserImport moves a staged import (or one whose runner stopped
// reporting before stale) to running with the columns chosen; false when
// it is running elsewhere or finished.
func ClaimUserImport(ctx context.Context, db bun.IDB, id, columns string, now, stale time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*UserImport)(nil)).
		Set("status = ?", ImportRunning).Set("columns = ?", columns).Set("updated_at = ?", now).
		Set("bytes_read = 0").Set("rows_read = 0").Set("imported = 0").Set("updated = 0").
		Set("rejected_total = 0").Set("rejected = ''").Set("error = ''").
		Where("id = ?", id).
		Where("(status = ? OR (status = ? AND updated_at < ?))", ImportStaged, ImportRunning, stale).Exec(ctx)
	if err != nil {
		return false, wrap("claim user import", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SaveUserImportProgress stores a running import's counters (and, when
// status is done or failed, its end).
func SaveUserImportProgress(ctx context.Context, db bun.IDB, imp *UserImport) error {
	q := db.NewUpdate().Model(imp).Column("status", "bytes_read", "rows_read", "imported", "updated", "rejected_total",
		"rejected", "error", "updated_at", "finished_at").WherePK()
	_, err := q.Exec(ctx)
	return wrap("save user import progress", err)
}

// DeleteUserImportFile removes an import's stored file.
func DeleteUserImportFile(ctx context.Context, db bun.IDB, id string) error {
	_, err := db.NewDelete().Model((*userImportChunk)(nil)).Where("import_id = ?", id).Exec(ctx)
	return wrap("delete user import file", err)
}

// PruneUserImports deletes the files of imports created before
// filesBefore that are not running, and imports created before
// rowsBefore.
func PruneUserImports(ctx context.Context, db bun.IDB, filesBefore, rowsBefore time.Time) error {
	old := db.NewSelect().Model((*UserImport)(nil)).Column("id").Where("created_at < ?", filesBefore).Where("status <> ?", ImportRunning)
	if _, err := db.NewDelete().Model((*userImportChunk)(nil)).Where("import_id IN (?)", old).Exec(ctx); err != nil {
		return wrap("prune user imports", err)
	}
	gone := db.NewSelect().Model((*UserImport)(nil)).Column("id").Where("created_at < ?", rowsBefore)
	if _, err := db.NewDelete().Model((*userImportChunk)(nil)).Where("import_id IN (?)", gone).Exec(ctx); err != nil {
		return wrap("prune user imports", err)
	}
	_, err := db.NewDelete().Model((*UserImport)(nil)).Where("created_at < ?", rowsBefore).Exec(ctx)
	return wrap("prune user imports", err)
}

// UserImportFile reads a staged file piece by piece: one piece in memory
// at a time, whatever the file's size.
type UserImportFile struct {
	ctx  context.Context
	db   bun.IDB
	id   string
	seq  int
	buf  []byte
	done bool
}

// OpenUserImportFile returns a reader of an import's stored file.
func OpenUserImportFile(ctx context.Context, db bun.IDB, id string) *UserImportFile {
	return &UserImportFile{ctx: ctx, db: db, id: id}
}

func (f *UserImportFile) Read(p []byte) (int, error) {
	for len(f.buf) == 0 {
		if f.done {
			return 0, io.EOF
		}
		var c userImportChunk
		err := f.db.NewSelect().Model(&c).Where("import_id = ?", f.id).Where("seq = ?", f.seq).Scan(f.ctx)
		if err != nil {
			if e, ok := apperr.AsError(notFoundAs(err, "chunk")); ok && e.Kind == apperr.KindNotFound {
				f.done = true
				continue
			}
			return 0, wrap("read user import file", err)
		}
		f.seq++
		f.buf = c.Data
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}
