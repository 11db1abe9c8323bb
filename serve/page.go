package serve

import (
	"embed"
	"mime"
	"net/http"
	"path"
)

// pageFiles are the web page: plain HTML, CSS and JavaScript, no build step.
//
//go:embed page/index.html page/page.css page/page.js
var pageFiles embed.FS

// page answers GET / with the page and GET /page/{file} with its assets. Its content
// security policy lets it reach only this server: the page works offline.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if name == "" {
		name = "index.html"
	}
	b, err := pageFiles.ReadFile("page/" + name)
	if err != nil {
		writeError(w, http.StatusNotFound, "no page file "+name+": the page has index.html, page.css and page.js")
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b)
}
