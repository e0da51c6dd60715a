package swarm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProgressBar(t *testing.T) {
	tests := []struct {
		name  string
		p     Progress
		width int
		want  string
	}{
		{"empty", Progress{Total: 100}, 10, "[----------]   0.0%      0.0 MB/s   0 peers"},
		{"half", Progress{Have: 50, Total: 100, DownloadRate: 12.34e6, Peers: 3}, 10, "[#####-----]  50.0%     12.3 MB/s   3 peers"},
		{"rounds down until done", Progress{Have: 99, Total: 100}, 10, "[#########-]  99.0%      0.0 MB/s   0 peers"},
		{"done", Progress{Have: 100, Total: 100, Peers: 12}, 4, "[####] 100.0%      0.0 MB/s  12 peers"},
		{"empty torrent is done", Progress{}, 2, "[##] 100.0%      0.0 MB/s   0 peers"},
		{"more than total is clamped", Progress{Have: 200, Total: 100}, 2, "[##] 100.0%      0.0 MB/s   0 peers"},
		{"no cells", Progress{Have: 1, Total: 4}, -3, "[]  25.0%      0.0 MB/s   0 peers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.p.Bar(tt.width))
		})
	}
}
