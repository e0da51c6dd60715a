// Package doccheck checks that the code a package doc shows compiles as
// written: every block of Go in a package comment must be the body (or a
// contiguous part of the body) of one of that package's Example functions,
// which go test compiles and runs.
package doccheck

import (
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// root is the module's root, two levels up.
const root = "../.."

func TestDocSnippetsAreExamples(t *testing.T) {
	var dirs []string
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "benchmarks" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.Name() == "doc.go" {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	}))
	for _, dir := range dirs {
		name, _ := filepath.Rel(root, dir)
		t.Run(name, func(t *testing.T) {
			doc, examples := read(t, dir)
			for _, block := range goBlocks(doc) {
				found := false
				for _, ex := range examples {
					if strings.Contains(squash(ex), squash(block)) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("%s: the package doc's snippet is in no Example of the package, so nothing checks it compiles:\n%s", name, block)
				}
			}
		})
	}
}

// read returns the package comment of dir and the source of the bodies
// of its Example functions.
func read(t *testing.T, dir string) (doc string, examples []string) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		require.NoError(t, err)
		if e.Name() == "doc.go" && f.Doc != nil {
			doc = f.Doc.Text()
		}
		if !strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Example") && fn.Body != nil {
				examples = append(examples, string(src[fset.Position(fn.Body.Lbrace).Offset+1:fset.Position(fn.Body.Rbrace).Offset]))
			}
		}
	}
	return doc, examples
}

// goBlocks returns the indented blocks of doc that parse as Go
// statements (shell commands, tables and pictures do not).
func goBlocks(doc string) []string {
	var blocks []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			b := strings.Join(cur, "\n")
			if isGo(b) {
				blocks = append(blocks, b)
			}
		}
		cur = nil
	}
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(line, "\t"):
			cur = append(cur, line[1:])
		case line == "" && len(cur) > 0:
			cur = append(cur, "")
		default:
			flush()
		}
	}
	flush()
	return blocks
}

// isGo reports whether b parses as statements of a function body and uses
// some Go syntax a shell line or a table would not.
func isGo(b string) bool {
	src := "package p\nfunc f() {\n" + b + "\n}\n"
	if _, err := parser.ParseFile(token.NewFileSet(), "", src, 0); err != nil {
		return false
	}
	if _, err := format.Source([]byte(src)); err != nil {
		return false
	}
	return strings.ContainsAny(b, "(:=")
}

// squash drops whitespace, so that indentation and line breaks do not
// matter when comparing a snippet with an example.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}
