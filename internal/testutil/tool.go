package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// RequireToolsEnv names the environment variable that turns a missing
// stock client into a failure: CI sets it, so that an interoperability
// test never passes by skipping.
const RequireToolsEnv = "P2P_REQUIRE_TOOLS"

// Tool returns the path of the stock client name (aria2c, unbound,
// dig...) for an interoperability test. When it is not installed the
// test is skipped with how to install it (the Debian package debPackage),
// or fails if RequireToolsEnv is set.
func Tool(t testing.TB, name, debPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv(RequireToolsEnv) != "" {
		t.Fatalf("%s is not installed (apt-get install %s) and %s is set: the interoperability test cannot run", name, debPackage, RequireToolsEnv)
	}
	t.Skipf("%s is not installed (apt-get install %s): skipping the interoperability test", name, debPackage)
	return ""
}

// PythonModule returns the path of python, an interpreter that can import
// module (python3-libtorrent's libtorrent under /usr/bin/python3), for an
// interoperability test. Without it the test is skipped with how to
// install it (debPackage), or fails if RequireToolsEnv is set.
func PythonModule(t testing.TB, python, module, debPackage string) string {
	t.Helper()
	err := exec.Command(python, "-c", "import "+module).Run()
	if err == nil {
		return python
	}
	if os.Getenv(RequireToolsEnv) != "" {
		t.Fatalf("%s cannot import %s (apt-get install %s) and %s is set: the interoperability test cannot run: %v", python, module, debPackage, RequireToolsEnv, err)
	}
	t.Skipf("%s cannot import %s (apt-get install %s): skipping the interoperability test", python, module, debPackage)
	return ""
}
