package web

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
)

// UploadStream returns the file of a request without reading it into
// memory: the part named field of a multipart/form-data body, or the body
// itself when its type is one of types. 415 for any other type, 400 when
// the part is missing. Reading past the body limit fails with an error
// that UploadTooLarge recognises.
func UploadStream(r *http.Request, field string, types ...string) (name string, body io.Reader, err error) {
	mt, _, perr := mime.ParseMediaType(r.Header.Get("Content-Type"))
	for _, t := range types {
		if perr == nil && mt == t {
			return "", r.Body, nil
		}
	}
	if perr != nil || mt != "multipart/form-data" {
		msg := "Send the file as multipart/form-data, in a part named " + field
		for i, t := range types {
			if i == 0 {
				msg += ", or as the body with Content-Type " + t
			} else {
				msg += " or " + t
			}
		}
		return "", nil, &RequestError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: msg + "."}
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
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return "", nil, err // UploadTooLarge names the limit
			}
			return "", nil, badRequest("bad_request", "The multipart body could not be read.")
		}
		if part.FormName() == field {
			return part.FileName(), part, nil
		}
		part.Close()
	}
}

// UploadTooLarge turns a read past the body limit into 413
// upload_too_large (max names the limit); other errors pass unchanged.
func UploadTooLarge(err error, max int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return uploadTooLarge(max)
	}
	return err
}
