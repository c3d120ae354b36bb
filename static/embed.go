// Package static embeds the built CSS and JavaScript (static/dist, committed)
// and serves them with fingerprinted URLs, so browsers may cache them for a
// year and still pick up a new build at once.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed dist
var dist embed.FS

type asset struct {
	body, gzipped []byte
	hash          string
	contentType   string
}

// Assets is the set of built files, read once at start-up.
type Assets struct {
	files map[string]*asset
}

// New reads every embedded file, fingerprints it and pre-compresses the
// text ones.
func New() (*Assets, error) {
	a := &Assets{files: map[string]*asset{}}
	err := fs.WalkDir(dist, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := dist.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		f := &asset{body: body, hash: hex.EncodeToString(sum[:6]), contentType: mime.TypeByExtension(path.Ext(p))}
		if f.contentType == "" {
			f.contentType = "application/octet-stream"
		}
		if compressible(f.contentType) && len(body) > 512 {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(body)
			zw.Close()
			f.gzipped = buf.Bytes()
		}
		a.files[strings.TrimPrefix(p, "dist/")] = f
		return nil
	})
	return a, err
}

// URL returns the fingerprinted URL of a built file, e.g. "app.css" →
// "/static/app.css?v=3f2a…". An unknown name panics: it is a programming
// error caught by any test that renders the page.
func (a *Assets) URL(name string) string {
	f, ok := a.files[name]
	if !ok {
		panic("static: no built asset " + name + " (run make generate)")
	}
	return "/static/" + name + "?v=" + f.hash
}

// ServeHTTP serves /static/{name}. A request carrying the current
// fingerprint is cacheable forever; any request gets an ETag.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	f, ok := a.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	etag := `"` + f.hash + `"`
	h.Set("ETag", etag)
	h.Set("Content-Type", f.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=0, must-revalidate")
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gzipped != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = f.gzipped
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "json") || strings.Contains(ct, "svg")
}
