package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"

	"github.com/aqdash/aqdash/public"
)

// assets maps each static file to its URL with a content hash, so browsers may cache it for a year and
// still see a new version at once.
type assets struct {
	urls map[string]string
}

func loadAssets() (*assets, error) {
	a := &assets{urls: map[string]string{}}
	err := fs.WalkDir(public.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(public.FS, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.urls[path] = "/static/" + path + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	return a, err
}

// URL returns the cache-busting URL of a static file; an unknown name is a template bug.
func (a *assets) URL(name string) (string, error) {
	u, ok := a.urls[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return u, nil
}
