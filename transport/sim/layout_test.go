package sim

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestNodeLayout pins the memory layout the hot path relies on.
func TestNodeLayout(t *testing.T) {
	require.Equal(t, uintptr(64), unsafe.Sizeof(env{}), "an Env fills one cache line")
	require.Equal(t, uintptr(256), unsafe.Sizeof(nodeBox{}))
	require.LessOrEqual(t, unsafe.Offsetof(node{}.upFree)+8, uintptr(64), "hot node fields in the first line")
	require.Equal(t, uintptr(24), unsafe.Sizeof(item{}))
}
