package layout

import (
	"bytes"
	"context"
	"io"

	"github.com/a-h/templ"
)

// One event stream per page. A page with live parts names its stream with
// Stream(url) where it draws them; Page draws the page's body first, so it
// knows that URL when it opens the document's single stream around the
// header and the body (#live), with the member's notifications added for
// the bell. A browser allows six connections per host over HTTP/1.1,
// shared by all of a site's tabs: with a stream for the bell and another for
// the page, the third open tab left nothing for the next request.

type streamKey struct{}

// pageStream is the stream a page's body asked for while it was drawn.
type pageStream struct{ url string }

// Stream records that the page being drawn follows the event stream url
// (GET /api/events with the page's filters). It draws nothing: the parts
// inside the page react to the stream's events with hx-trigger="sse:<kind>"
// because #live, which holds the stream, is their ancestor. In a fragment
// (an htmx swap) it does nothing: the page's stream stays open.
func Stream(url string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, _ io.Writer) error {
		if ps, ok := ctx.Value(streamKey{}).(*pageStream); ok {
			ps.url = url
		}
		return nil
	})
}

// Page is the full HTML document around body: body is drawn first, for the
// stream it asks for (Stream), then the layout around it.
func Page(c Chrome, body templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		ps := &pageStream{}
		var buf bytes.Buffer
		if err := body.Render(context.WithValue(ctx, streamKey{}, ps), &buf); err != nil {
			return err
		}
		c.pageStream = ps.url
		return page(c, templ.Raw(buf.String())).Render(ctx, w)
	})
}

// StreamURL is the document's event stream: the page's own with the
// member's notifications added, or the notifications alone.
func (c Chrome) StreamURL() string {
	if c.pageStream != "" {
		return c.pageStream + "&notifications=true"
	}
	return "/api/events?kind=notification&subject=" + c.UserID
}
