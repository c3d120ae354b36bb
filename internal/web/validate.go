package web

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/go-playground/validator/v10"
)

// Validator checks request structs with their `validate` tags and turns
// failures into a field map keyed by the JSON field name, in words a bot
// owner understands.
type Validator struct {
	v        *validator.Validate
	messages map[string]string // wording of feature-specific tags
}

// NewValidator builds the validator.
func NewValidator() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || name == "" {
			name, _, _ = strings.Cut(f.Tag.Get("form"), ",")
		}
		if name == "-" {
			return ""
		}
		return name
	})
	return &Validator{v: v, messages: map[string]string{}}
}

// Struct validates s; the error is a *apperr.Error of kind Invalid.
func (x *Validator) Struct(s any) error {
	err := x.v.Struct(s)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	fields := apperr.FieldErrors{}
	for _, fe := range verrs {
		name := fieldPath(fe)
		if _, seen := fields[name]; !seen {
			fields[name] = x.describe(fe)
		}
	}
	return apperr.Invalid("", fields)
}

// fieldPath drops the struct name from the namespace: "Req.tags[0]" → "tags[0]".
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return fe.Field()
}

func (x *Validator) describe(fe validator.FieldError) string {
	isString := fe.Kind() == reflect.String
	switch fe.Tag() {
	case "required", "required_without", "required_with":
		return "is required"
	case "email":
		return "must be a valid email address"
	case "url", "http_url":
		return "must be a valid URL"
	case "min":
		if isString {
			return fmt.Sprintf("must be at least %s characters", fe.Param())
		}
		if fe.Kind() == reflect.Slice {
			return fmt.Sprintf("must have at least %s items", fe.Param())
		}
		return fmt.Sprintf("must be at least %s", fe.Param())
	case "max":
		if isString {
			return fmt.Sprintf("must be at most %s characters", fe.Param())
		}
		if fe.Kind() == reflect.Slice {
			return fmt.Sprintf("must have at most %s items", fe.Param())
		}
		return fmt.Sprintf("must be at most %s", fe.Param())
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "alphanum":
		return "may contain only letters and digits"
	case "gte":
		return "must be at least " + fe.Param()
	case "lte":
		return "must be at most " + fe.Param()
	default:
		if msg, ok := x.messages[fe.Tag()]; ok {
			return msg
		}
		return "is not valid"
	}
}

// RegisterValidation adds a custom tag with the message shown when it fails.
func (x *Validator) RegisterValidation(tag, message string, fn validator.Func) {
	if err := x.v.RegisterValidation(tag, fn); err != nil {
		panic(err)
	}
	x.messages[tag] = message
}
