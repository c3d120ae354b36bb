package core

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/models"
)

// The dashboard's import runs in steps: StageImport stores the uploaded
// file in the database (user_import_chunks, 1 MB pieces) and returns an
// import id; ImportState shows its first rows and a column mapping; then
// RunImport claims it and writes it in the background, saving progress
// after each batch, which any instance can show; the file is deleted when
// the import ends. A runner that dies (a restart) stops reporting: after
// importStale the import may be run again (it is idempotent).
const (
	importStale     = 2 * time.Minute
	importTimeout   = 2 * time.Hour
	importKeepFiles = 24 * time.Hour     // staged files nobody imported
	importKeepRows  = 7 * 24 * time.Hour // outcomes
	PreviewRows     = 10
)

// StageImport stores a CSV file for an import of the owner's bot's users,
// read piece by piece (at most MaxUserImportSize bytes), and checks that
// its first line can be read.
func (a *Audience) StageImport(ctx context.Context, ownerID, botID, name string, file io.Reader) (*models.UserImport, error) {
	b, err := a.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	now := models.Now()
	if err := models.PruneUserImports(ctx, a.db, now.Add(-importKeepFiles), now.Add(-importKeepRows)); err != nil {
		return nil, err
	}
	imp := &models.UserImport{ID: models.NewID(models.UserImportIDPrefix), BotID: b.ID, FileName: models.CleanText(name),
		Status: models.ImportStaged, CreatedAt: now, UpdatedAt: now}
	if err := models.InsertUserImport(ctx, a.db, imp); err != nil {
		return nil, err
	}
	size, err := a.storeChunks(ctx, imp.ID, file)
	if err == nil && size == 0 {
		err = apperr.Invalid("The file is empty.", apperr.FieldErrors{"file": "is empty"})
	}
	if err == nil {
		_, err = OpenCSV(models.OpenUserImportFile(ctx, a.db, imp.ID))
	}
	if err == nil {
		imp.Size = size
		err = models.SetUserImportSize(ctx, a.db, imp.ID, size)
	}
	if err != nil {
		_ = models.DeleteUserImportFile(context.WithoutCancel(ctx), a.db, imp.ID)
		return nil, err
	}
	return imp, nil
}

func (a *Audience) storeChunks(ctx context.Context, id string, file io.Reader) (int64, error) {
	buf := make([]byte, models.ImportChunkSize)
	var size int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(file, buf)
		if n > 0 {
			size += int64(n)
			if size > MaxUserImportSize {
				return 0, apperr.Invalid("The file is larger than 200 MB.", apperr.FieldErrors{"file": "is larger than 200 MB"})
			}
			if err := models.AddUserImportChunk(ctx, a.db, id, seq, buf[:n]); err != nil {
				return 0, err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return size, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// ImportState is an import as its page shows it: while staged, the
// header, the first rows and the suggested mapping; once run, progress or
// the outcome.
type ImportState struct {
	Bot     *models.Bot
	Import  *models.UserImport
	Header  []string
	Rows    [][]string
	Columns []ImportColumn // the mapping suggested (staged) or used
	Comma   rune
	Result  ImportResult // counters so far; Rejected listed once done
	Stalled bool         // running, but its runner stopped reporting: it may be run again
}

// ImportState reads one import of the owner's bot.
func (a *Audience) ImportState(ctx context.Context, ownerID, botID, importID string) (*ImportState, error) {
	b, err := a.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	if !models.LooksLikeID(models.UserImportIDPrefix, importID) {
		return nil, apperr.NotFound("import")
	}
	imp, err := models.UserImportOfBot(ctx, a.db, b.ID, importID)
	if err != nil {
		return nil, err
	}
	st := &ImportState{Bot: b, Import: imp, Result: ImportResult{Imported: imp.Imported, Updated: imp.Updated,
		RejectedTotal: imp.RejectedTotal, Rows: imp.RowsRead, BytesRead: imp.BytesRead, Rejected: []ImportRejection{}}}
	if imp.Rejected != "" {
		_ = json.Unmarshal([]byte(imp.Rejected), &st.Result.Rejected)
	}
	if imp.Columns != "" {
		_ = json.Unmarshal([]byte(imp.Columns), &st.Columns)
	}
	st.Stalled = imp.Status == models.ImportRunning && imp.UpdatedAt.Before(models.Now().Add(-importStale))
	if imp.Status == models.ImportStaged || st.Stalled {
		f, err := OpenCSV(models.OpenUserImportFile(ctx, a.db, imp.ID))
		if err != nil {
			return nil, err
		}
		st.Header, st.Comma = f.Header, f.Comma
		if st.Rows, err = f.Preview(PreviewRows); err != nil {
			return nil, err
		}
		if st.Columns == nil {
			st.Columns = DefaultImportColumns(f.Header)
		}
	}
	return st, nil
}

// RunImport starts a staged import with the mapping cols (checked against
// the file's header first): 409 import_started when it runs or ran
// already.
func (a *Audience) RunImport(ctx context.Context, ownerID, botID, importID string, cols []ImportColumn) (*ImportState, error) {
	st, err := a.ImportState(ctx, ownerID, botID, importID)
	if err != nil {
		return nil, err
	}
	if st.Header == nil {
		return nil, errImportStarted
	}
	if err := CheckImportColumns(st.Header, cols); err != nil {
		return nil, err
	}
	mapping, _ := json.Marshal(cols)
	now := models.Now()
	ok, err := models.ClaimUserImport(ctx, a.db, importID, string(mapping), now, now.Add(-importStale))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errImportStarted
	}
	imp := *st.Import
	imp.Status, imp.UpdatedAt, imp.Columns = models.ImportRunning, now, string(mapping)
	go a.runImport(&imp, cols)
	st.Import, st.Columns, st.Result = &imp, cols, ImportResult{Rejected: []ImportRejection{}}
	return st, nil
}

var errImportStarted = &apperr.Error{Kind: apperr.KindConflict, Code: "import_started",
	Message: "This import has already started. Upload the file again to import it once more."}

// runImport writes an import, saving progress after each batch.
func (a *Audience) runImport(imp *models.UserImport, cols []ImportColumn) {
	ctx, cancel := context.WithTimeout(context.Background(), importTimeout)
	defer cancel()
	save := func(res *ImportResult) error {
		imp.BytesRead, imp.RowsRead, imp.Imported, imp.Updated, imp.RejectedTotal =
			res.BytesRead, res.Rows, res.Imported, res.Updated, res.RejectedTotal
		imp.UpdatedAt = models.Now()
		return models.SaveUserImportProgress(ctx, a.db, imp)
	}
	res, err := ImportUsersCSV(ctx, a.db, imp.BotID, models.OpenUserImportFile(ctx, a.db, imp.ID), cols, save)
	now := models.Now()
	imp.FinishedAt = &now
	if err != nil {
		imp.Status = models.ImportFailed
		if e, ok := apperr.AsError(err); ok && e.Kind != apperr.KindInternal {
			imp.Error = e.Message
		} else {
			imp.Error = "The import stopped on an internal error; the rows before it were imported. Try again."
			a.log.Error("user import failed", "import", imp.ID, "bot", imp.BotID, "err", err)
		}
		imp.UpdatedAt = now
		if err := models.SaveUserImportProgress(context.WithoutCancel(ctx), a.db, imp); err != nil {
			a.log.Error("user import: saving the failure", "import", imp.ID, "err", err)
		}
		return
	}
	imp.Status = models.ImportDone
	rejected, _ := json.Marshal(res.Rejected)
	imp.Rejected = string(rejected)
	if err := save(res); err != nil {
		a.log.Error("user import: saving the outcome", "import", imp.ID, "err", err)
	}
	if err := models.DeleteUserImportFile(ctx, a.db, imp.ID); err != nil {
		a.log.Error("user import: deleting the file", "import", imp.ID, "err", err)
	}
}
