package core

import (
	"context"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/models"
)

// Uploads stores the files an account sends with replies and broadcasts.
// The type is sniffed from the bytes, never taken from the client.
type Uploads struct{ db *bun.DB }

// NewUploads returns the upload use cases.
func NewUploads(db *bun.DB) *Uploads { return &Uploads{db: db} }

// uploadTypes are the sniffed types an upload may have: images (sent as
// photos) and common documents.
var uploadTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "application/zip": true, "application/x-gzip": true,
	"application/x-rar-compressed": true, "text/plain": true, "audio/mpeg": true, "video/mp4": true,
}

// UploadTypeAllowed reports whether data sniffs as a type an upload may
// have.
func UploadTypeAllowed(data []byte) bool {
	ct, _, _ := strings.Cut(http.DetectContentType(data), ";")
	return uploadTypes[ct]
}

// IsImage reports whether a sniffed type can be sent as a photo.
func IsImage(contentType string) bool { return isImage(contentType) }

// isImage reports whether a sniffed type can be sent as a photo.
func isImage(contentType string) bool {
	switch contentType {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return true
	}
	return false
}

// Errors of uploads.
var (
	ErrUploadTooLarge = &apperr.Error{Kind: apperr.KindInvalid, Code: "upload_too_large",
		Message: "The file is larger than 10 MB.", Fields: apperr.FieldErrors{"file": "is larger than 10 MB"}}
	ErrUploadType = &apperr.Error{Kind: apperr.KindInvalid, Code: "unsupported_upload_type",
		Message: "Upload an image (JPEG, PNG, GIF, WebP) or a document (PDF, ZIP, text…).",
		Fields:  apperr.FieldErrors{"file": "is neither an image nor a supported document"}}
	ErrUploadEmpty = apperr.Invalid("Choose a file to upload.", apperr.FieldErrors{"file": "is empty"})
)

// Create stores a file for the account.
func (s *Uploads) Create(ctx context.Context, ownerID, name string, data []byte) (*models.Upload, error) {
	if len(data) == 0 {
		return nil, ErrUploadEmpty
	}
	if len(data) > models.MaxUploadSize {
		return nil, ErrUploadTooLarge
	}
	ct, _, _ := strings.Cut(http.DetectContentType(data), ";")
	if !uploadTypes[ct] {
		return nil, ErrUploadType
	}
	u := &models.Upload{ID: models.NewID(models.UploadIDPrefix), OwnerID: ownerID, Name: cleanFileName(name),
		ContentType: ct, Data: data}
	if err := models.InsertUpload(ctx, s.db, u); err != nil {
		return nil, err
	}
	u.Data = nil
	return u, nil
}

// Data returns one of the account's uploads with its bytes.
func (s *Uploads) Data(ctx context.Context, ownerID, id string) (*models.Upload, error) {
	if !models.LooksLikeID(models.UploadIDPrefix, id) {
		return nil, apperr.NotFound("upload")
	}
	u, err := models.UploadData(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if u.OwnerID != ownerID {
		return nil, apperr.NotFound("upload")
	}
	return u, nil
}

// cleanFileName keeps the base name of what the browser sent, at most 200
// bytes of valid UTF-8 without control characters.
func cleanFileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" {
		return "file"
	}
	return name
}
