package ingest

import "bytes"

var escapedNUL = []byte(`\u0000`)

// stripNUL removes NUL characters (the JSON escape \u0000) from the strings
// of a raw update, leaving every other byte as Telegram sent it. A NUL in a
// name or a message is legal in Telegram but PostgreSQL refuses it in text,
// so without this such an update would fail until it is dropped. An escaped
// backslash followed by "u0000" (the text `\u0000`) is kept.
func stripNUL(raw []byte) []byte {
	if !bytes.Contains(raw, escapedNUL) {
		return raw
	}
	out := make([]byte, 0, len(raw))
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\' && i+1 < len(raw):
			if bytes.HasPrefix(raw[i:], escapedNUL) {
				i += len(escapedNUL) - 1
				continue
			}
			out = append(out, c, raw[i+1])
			i++
			continue
		}
		out = append(out, c)
	}
	return out
}
