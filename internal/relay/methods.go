package relay

// validMethod is what a Bot API method name may be: 1-64 ASCII letters, so
// a name taken from a response can add no path segment or query.
func validMethod(m string) bool {
	if len(m) == 0 || len(m) > 64 {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
