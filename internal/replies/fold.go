package replies

// Fold is the folded, accent-free form of s that keywords are compared in
// (compatibility forms split, case folded with ß as ss and İ as i, accents
// and Arabic harakat removed; see the package documentation). Searches of
// names use it too (models.SearchKey), so both match the same way.
func Fold(s string) string { return normalize(s) }
