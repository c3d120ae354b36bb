package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/go-playground/form/v4"
)

// Binder decodes a request into one struct — from the JSON body, a form
// body, or the query string — and validates it. The same struct (with json,
// form and validate tags) serves the HTML form and the JSON API.
type Binder struct {
	forms     *form.Decoder
	validator *Validator
}

// NewBinder returns a binder using v for validation.
func NewBinder(v *Validator) *Binder {
	d := form.NewDecoder()
	d.SetTagName("form")
	d.SetMode(form.ModeExplicit) // only fields with a form tag are filled
	return &Binder{forms: d, validator: v}
}

// Validator returns the validator the binder uses.
func (b *Binder) Validator() *Validator { return b.validator }

// Bind decodes r into dst and validates it. GET, HEAD and DELETE read the
// query string; other methods read the body as JSON or a form. Errors are
// a *RequestError (400 malformed, 413 too large, 415 wrong content type) or
// an *apperr.Error of kind Invalid (422).
func (b *Binder) Bind(r *http.Request, dst any) error {
	if err := b.Decode(r, dst); err != nil {
		return err
	}
	if n, ok := dst.(Normalizer); ok {
		n.Normalize()
	}
	return b.validator.Struct(dst)
}

// None is Bind for an action that takes no input: on /api any query
// parameter, form field or JSON member is refused as unknown (422
// unknown_field), so every route is strict, not only those with a request
// struct. Pages stay lenient about parameters (see strict.go).
func (b *Binder) None(r *http.Request) error { return b.Decode(r, &struct{}{}) }

// BindBody is Bind reading the body whatever the method: for a DELETE that
// carries secrets (DELETE /api/me/totp takes {password, code}), which must
// never travel in a URL.
func (b *Binder) BindBody(r *http.Request, dst any) error {
	if r.Method == http.MethodDelete {
		body := *r
		body.Method = http.MethodPost
		r = &body
	}
	return b.Bind(r, dst)
}

// Normalizer is implemented by request structs that tidy their input
// (trim spaces, lower-case emails) before validation, so " Ann@X.io " is
// accepted as what the user meant.
type Normalizer interface{ Normalize() }

// Decode fills dst without validating.
func (b *Binder) Decode(r *http.Request, dst any) error {
	strict := IsAPI(r)
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodDelete:
		return b.decodeValues(r.URL.Query(), dst, "query parameter", strict)
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" && (r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody) {
		// An action with no body (POST /bots/{id}/stop) still fills
		// query-string fields.
		return b.decodeValues(r.URL.Query(), dst, "query parameter", strict)
	}
	mediaType, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return unsupported(ct)
	}
	switch mediaType {
	case "application/json":
		return decodeJSON(r.Body, dst)
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if mediaType == "multipart/form-data" {
			err = r.ParseMultipartForm(1 << 20)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			return bodyError(err)
		}
		return b.decodeValues(r.Form, dst, "form field", strict)
	default:
		return unsupported(mediaType)
	}
}

// decodeValues fills dst from a query string or form; see strict.go for
// what is refused (unknown names only when strict, bad text always).
func (b *Binder) decodeValues(values url.Values, dst any, what string, strict bool) error {
	unknownMsg := msgUnknownParam
	if what == "form field" {
		unknownMsg = msgUnknownField
	}
	if err := checkValues(values, dst, strict, unknownMsg); err != nil {
		return err
	}
	err := b.forms.Decode(dst, values)
	if err == nil {
		return nil
	}
	var derrs form.DecodeErrors
	if errors.As(err, &derrs) {
		fields := apperr.FieldErrors{}
		for name := range derrs {
			fields[name] = "has the wrong type"
		}
		return &RequestError{Status: http.StatusBadRequest, Code: "bad_request", Message: "A " + what + " could not be read.", Fields: fields}
	}
	return badRequest("bad_request", "The request could not be read.")
}

// decodeJSON reads exactly one JSON value. Wrong types are field errors
// (400); unknown members and bad text are refused (422, strict.go).
func decodeJSON(body io.Reader, dst any) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return bodyError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				return badRequest("malformed_json", "The body must be a JSON object.")
			}
			return &RequestError{Status: http.StatusBadRequest, Code: "malformed_json", Message: "A field has the wrong type.",
				Fields: apperr.FieldErrors{field: "must be a " + jsonKind(typeErr.Type.Kind().String())}}
		case errors.Is(err, io.EOF):
			return badRequest("malformed_json", "The body is empty; send a JSON object.")
		default:
			if be := bodyError(err); be != nil {
				return be
			}
		}
	}
	if dec.More() {
		return badRequest("malformed_json", "The body must hold a single JSON value.")
	}
	return checkJSON(data, dst)
}

// bodyError maps a body read failure to 413 when the size limit was hit
// and 400 otherwise.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &RequestError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: "The request body is too large."}
	}
	return &RequestError{Status: http.StatusBadRequest, Code: "malformed_json", Message: "The body is not valid JSON: " + cleanJSONError(err), Err: err}
}

func cleanJSONError(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}

func unsupported(ct string) error {
	return &RequestError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
		Message: "Send the body as application/json (or a form), not " + strconvQuote(ct) + "."}
}

func strconvQuote(s string) string {
	if s == "" {
		return "an unspecified type"
	}
	return `"` + s + `"`
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	case "map", "struct", "ptr":
		return "object"
	default:
		return "number"
	}
}
