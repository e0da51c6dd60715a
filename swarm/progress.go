package swarm

import (
	"fmt"
	"strings"
)

// Bar draws p as one line of text for a terminal progress bar: width cells
// of '#' (done) and '-' (to do), then the percentage, the download rate
// and the peer count, as in
//
//	[###############---------------]  50.0%    12.3 MB/s   3 peers
//
// Print it after a carriage return ("\r"+p.Bar(30)) to redraw in place.
// A width below 1 draws no cells.
func (p Progress) Bar(width int) string {
	frac := 1.0
	if p.Total > 0 {
		frac = min(max(float64(p.Have)/float64(p.Total), 0), 1)
	}
	width = max(width, 0)
	done := int(frac * float64(width))
	return fmt.Sprintf("[%s%s] %5.1f%%  %7.1f MB/s  %2d peers",
		strings.Repeat("#", done), strings.Repeat("-", width-done), 100*frac, p.DownloadRate/1e6, p.Peers)
}
