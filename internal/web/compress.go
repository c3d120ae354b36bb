package web

import (
	"compress/gzip"
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/zstd"
)

// uncompressedPrefixes are routes whose answers are not pages: the Telegram
// webhook (Telegram reads a few bytes), public /custom answers written by bot
// code (their owner decides) and the built assets (already stored
// compressed, see static.Assets).
var uncompressedPrefixes = []string{"/tg/", "/custom/", "/static/"}

// Compress compresses dynamic answers (pages, fragments, JSON, CSV) with zstd
// or gzip, whichever the client prefers among those it accepts; answers under
// 1 KB are left alone. Event streams are never compressed: a compressor holds
// bytes back, and a stream's frames must reach the browser as they are written.
func Compress() Middleware {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.MinSize(1024),
		gzhttp.CompressionLevel(gzip.DefaultCompression),
		gzhttp.EnableZstd(true),
		gzhttp.ZstdCompressionLevel(int(zstd.SpeedDefault)),
		gzhttp.ExceptContentTypes([]string{"text/event-stream"}),
	)
	if err != nil {
		panic("web: compression options: " + err.Error()) // fixed options: a programming error
	}
	return func(next http.Handler) http.Handler {
		compressed := wrap(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, p := range uncompressedPrefixes {
				if strings.HasPrefix(r.URL.Path, p) {
					next.ServeHTTP(w, r)
					return
				}
			}
			compressed.ServeHTTP(w, r)
		})
	}
}
