package web

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
)

// UploadOverhead is what a multipart body may add to its file: boundaries,
// part headers and the editor's other fields.
const UploadOverhead = 256 << 10

func uploadTooLarge(max int64) error {
	return &RequestError{Status: http.StatusRequestEntityTooLarge, Code: "upload_too_large",
		Message: "The file is larger than " + sizeLabel(max) + ".", Fields: apperr.FieldErrors{"file": "is larger than " + sizeLabel(max)}}
}

func sizeLabel(n int64) string {
	mb := n >> 20
	out := ""
	for mb > 0 || out == "" {
		out = string(rune('0'+mb%10)) + out
		mb /= 10
	}
	return out + " MB"
}

// ReadUpload reads the one part named field of a multipart/form-data body,
// at most max bytes: 413 upload_too_large beyond, 415 when the body is not
// multipart, 400 when the part is missing. Other parts are skipped.
func ReadUpload(r *http.Request, field string, max int64) (name string, data []byte, err error) {
	mt, _, perr := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if perr != nil || mt != "multipart/form-data" {
		return "", nil, &RequestError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "Send the file as multipart/form-data, in a part named " + field + "."}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, badRequest("bad_request", "The multipart body could not be read.")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, &RequestError{Status: http.StatusBadRequest, Code: "bad_request",
				Message: "The body has no part named " + field + ".", Fields: apperr.FieldErrors{field: "is required"}}
		}
		if err != nil {
			return "", nil, partError(err, max)
		}
		if part.FormName() != field {
			part.Close()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, max+1))
		if err != nil {
			return "", nil, partError(err, max)
		}
		if int64(len(data)) > max {
			return "", nil, uploadTooLarge(max)
		}
		return part.FileName(), data, nil
	}
}

func partError(err error, max int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return uploadTooLarge(max)
	}
	return badRequest("bad_request", "The multipart body could not be read.")
}

// FormFile returns the file field of a multipart form Bind already parsed
// (nil when none was chosen), at most max bytes (413 beyond).
func FormFile(r *http.Request, field string, max int64) (name string, data []byte, err error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 {
		return "", nil, nil
	}
	fh := r.MultipartForm.File[field][0]
	if fh.Size == 0 && fh.Filename == "" {
		return "", nil, nil
	}
	if fh.Size > max {
		return "", nil, uploadTooLarge(max)
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return "", nil, err
	}
	return fh.Filename, data, nil
}

// UnsupportedUpload is the 415 for a file of a type that may not be
// uploaded.
func UnsupportedUpload() error {
	return &RequestError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_upload_type",
		Message: "Upload an image (JPEG, PNG, GIF, WebP) or a document (PDF, ZIP, text…).",
		Fields:  apperr.FieldErrors{"file": "is neither an image nor a supported document"}}
}
