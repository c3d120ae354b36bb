package telegramtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/mymmrac/telego"
)

// profilePhotoSizes are the variants Telegram keeps of a profile photo.
var profilePhotoSizes = []int{160, 320, 640}

// newPhotoLocked registers one profile photo in all its sizes.
func (s *Server) newPhotoLocked(seed int64) []telego.PhotoSize {
	sizes := make([]telego.PhotoSize, 0, len(profilePhotoSizes))
	for _, px := range profilePhotoSizes {
		f := s.newFileLocked(px, seed)
		sizes = append(sizes, telego.PhotoSize{
			FileID: f.id, FileUniqueID: f.uniqueID, Width: px, Height: px, FileSize: len(f.bytes()),
		})
	}
	return sizes
}

func (s *Server) newFileLocked(px int, seed int64) *fileState {
	id, unique := newFileID()
	f := &fileState{id: id, uniqueID: unique, path: fmt.Sprintf("photos/file_%d.png", s.w.nextFile), width: px, height: px, seed: seed}
	s.w.nextFile++
	s.w.files[id] = f
	s.w.filePaths[f.path] = f
	return f
}

// bytes generates the file's content once. Callers hold Server.mu.
func (f *fileState) bytes() []byte {
	if f.data == nil {
		f.data = generatePNG(f.width, f.seed)
	}
	return f.data
}

func (s *Server) getUserProfilePhotos(_ *http.Request, _ *botState, p params) (any, string, *apiError) {
	userID, aerr := p.userID("user_id")
	if aerr != nil {
		return nil, "", aerr
	}
	offset, _ := p.int("offset")
	limit, ok := p.int("limit")
	if !ok || limit <= 0 || limit > 100 {
		limit = 100
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.w.users[userID]
	if !ok {
		return nil, "", errUserNotFound
	}
	photos := [][]telego.PhotoSize{}
	for i := int(max(offset, 0)); i < len(u.photos) && len(photos) < int(limit); i++ {
		photos = append(photos, u.photos[i])
	}
	return telego.UserProfilePhotos{TotalCount: len(u.photos), Photos: photos}, "", nil
}

func (s *Server) getFile(_ *http.Request, _ *botState, p params) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.w.files[p.str("file_id")]
	if !ok {
		return nil, "", errInvalidFileID
	}
	return telego.File{FileID: f.id, FileUniqueID: f.uniqueID, FileSize: int64(len(f.bytes())), FilePath: f.path}, "", nil
}

// serveFile answers /file/bot<token>/<file_path> with the file's bytes.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, path, ok := strings.Cut(rest, "/")
	if !ok || !tokenShape.MatchString(token) {
		writeError(w, errNotFound)
		return
	}
	s.mu.Lock()
	b, active := s.w.botsByToken[token]
	if !active {
		b = s.w.revoked[token]
	}
	var fail *FailSpec
	if b != nil {
		b.calls[DownloadMethod]++
		if active {
			fail = b.takeFailureLocked(DownloadMethod)
		}
	}
	var data []byte
	if f, ok := s.w.filePaths[path]; ok {
		data = f.bytes()
	}
	s.mu.Unlock()

	if !active {
		writeError(w, errUnauthorized)
		return
	}
	if fail != nil && applyFailure(w, r, fail) {
		return
	}
	if data == nil {
		writeError(w, errNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
