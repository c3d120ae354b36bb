package views

// KeepPassword reports whether a password typed into a form that failed
// may be shown again: only when the form named problems (field errors)
// and none of them is the password's own. A wrong password (a sign-in
// refused, a wrong current password) or one that breaks the rules is
// cleared; one typed beside a taken email is kept, so only the email
// needs fixing.
func KeepPassword(fields map[string]string, name string) bool {
	return len(fields) > 0 && fields[name] == ""
}
