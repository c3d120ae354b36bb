package models

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// UploadIDPrefix is the prefix of upload ids (NewID(UploadIDPrefix)).
const UploadIDPrefix = "upl"

// MaxUploadSize is the largest file an account may upload (10 MB).
const MaxUploadSize = 10 << 20

// Upload is a file an account uploaded for replies and broadcasts. Data is
// loaded only by UploadData.
type Upload struct {
	bun.BaseModel `bun:"table:uploads"`

	ID          string    `bun:"id,pk"`
	OwnerID     string    `bun:"owner_id"`
	Name        string    `bun:"name"`
	ContentType string    `bun:"content_type"`
	Size        int64     `bun:"size"`
	Data        []byte    `bun:"data"`
	CreatedAt   time.Time `bun:"created_at"`
}

// uploadFileID is the file_id Telegram gave one bot for an upload.
type uploadFileID struct {
	bun.BaseModel `bun:"table:upload_file_ids"`

	UploadID  string    `bun:"upload_id,pk"`
	BotID     string    `bun:"bot_id,pk"`
	FileID    string    `bun:"file_id"`
	CreatedAt time.Time `bun:"created_at"`
}

// InsertUpload stores an upload; Size is taken from Data.
func InsertUpload(ctx context.Context, db bun.IDB, u *Upload) error {
	u.Size = int64(len(u.Data))
	if u.Data == nil {
		u.Data = []byte{}
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = Now()
	}
	_, err := db.NewInsert().Model(u).Exec(ctx)
	return wrap("insert upload", err)
}

// UploadOfOwner returns an account's upload without its bytes; another
// account's is not found.
func UploadOfOwner(ctx context.Context, db bun.IDB, ownerID, id string) (*Upload, error) {
	u := new(Upload)
	err := db.NewSelect().Model(u).ExcludeColumn("data").Where("id = ?", id).Where("owner_id = ?", ownerID).Scan(ctx)
	return u, wrap("upload of owner", notFoundAs(err, "upload"))
}

// UploadsOfOwner returns those of ids that are the account's uploads,
// without their bytes, by id.
func UploadsOfOwner(ctx context.Context, db bun.IDB, ownerID string, ids []string) (map[string]*Upload, error) {
	out := map[string]*Upload{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Upload
	err := db.NewSelect().Model(&rows).ExcludeColumn("data").Where("id IN (?)", bun.In(ids)).
		Where("owner_id = ?", ownerID).Scan(ctx)
	for i := range rows {
		out[rows[i].ID] = &rows[i]
	}
	return out, wrap("uploads of owner", err)
}

// UploadData returns an upload with its bytes, for sending it (the worker
// knows the id from a reply it already trusts) and for serving it to its
// owner.
func UploadData(ctx context.Context, db bun.IDB, id string) (*Upload, error) {
	u := new(Upload)
	err := db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	return u, wrap("upload data", notFoundAs(err, "upload"))
}

// UploadFileID returns the file_id Telegram gave the bot for the upload, or
// "" when the bot has not sent it yet.
func UploadFileID(ctx context.Context, db bun.IDB, uploadID, botID string) (string, error) {
	var ids []string
	err := db.NewSelect().Model((*uploadFileID)(nil)).Column("file_id").Where("upload_id = ?", uploadID).
		Where("bot_id = ?", botID).Limit(1).Scan(ctx, &ids)
	if err != nil || len(ids) == 0 {
		return "", wrap("upload file id", err)
	}
	return ids[0], nil
}

// SetUploadFileID records the file_id Telegram gave the bot for the upload
// (replacing an older one). An upload deleted meanwhile is ignored.
func SetUploadFileID(ctx context.Context, db bun.IDB, uploadID, botID, fileID string, at time.Time) error {
	_, err := db.NewRaw(`INSERT INTO upload_file_ids (upload_id, bot_id, file_id, created_at)
		SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM uploads WHERE id = ?)
		ON CONFLICT (upload_id, bot_id) DO UPDATE SET file_id = EXCLUDED.file_id, created_at = EXCLUDED.created_at`,
		uploadID, botID, fileID, at, uploadID).Exec(ctx)
	return wrap("set upload file id", err)
}

// UploadsKept is how long an upload nothing uses is kept: time enough to
// upload a file and then save the reply, broadcast or message it is for.
const UploadsKept = 24 * time.Hour

// PruneUnusedUploads deletes up to limit uploads created before before
// that nothing uses, oldest first, and returns how many. Upload ids are
// stored in:
//
//   - replies.spec (the reply's JSON: photo, document), matched as the
//     quoted id anywhere in it — a false match only keeps a file;
//   - broadcasts.photo and broadcasts.document, whatever the broadcast's
//     status (its page still shows the file);
//   - outbox.upload_id: a message to send with the file (the dashboard
//     composer's, a broadcast's), until retention prunes the row.
//
// An export reads only files its replies use, so it never loses one; an
// import stores its files anew (new, so kept). One DELETE decides and
// deletes, so a reference committed before it keeps the file;
// upload_file_ids rows go with their upload (ON DELETE CASCADE).
func PruneUnusedUploads(ctx context.Context, db bun.IDB, before time.Time, limit int) (int64, error) {
	ids := db.NewSelect().TableExpr("uploads AS u").Column("u.id").Where("u.created_at < ?", before).
		Where("NOT EXISTS (SELECT 1 FROM broadcasts b WHERE b.photo = u.id AND b.photo <> '')").
		Where("NOT EXISTS (SELECT 1 FROM broadcasts b WHERE b.document = u.id AND b.document <> '')").
		Where("NOT EXISTS (SELECT 1 FROM outbox o WHERE o.upload_id = u.id AND o.upload_id <> '')").
		Where(`NOT EXISTS (SELECT 1 FROM replies r WHERE r.spec LIKE '%"' || u.id || '"%')`).
		OrderExpr("u.created_at ASC").Limit(int64(limit))
	res, err := db.NewDelete().Model((*Upload)(nil)).Where("id IN (?)", ids).Exec(ctx)
	if err != nil {
		return 0, wrap("prune unused uploads", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("prune unused uploads", err)
}
