// Command distribution reproduces the textbook's figure of file
// distribution time (Kurose & Ross, ch. 2): for N = 1 … 35 peers it draws
// the client-server lower bound, the P2P lower bound, and the time the
// swarm of package swarm actually takes in the simulator, where every peer
// runs the real piece picker and choker.
//
// The parameters are the figure's: every peer uploads at u, the server at
// u_s = 10u, nobody downloads slower than u_s, and F/u = 1 hour. The
// simulation runs a 32 MiB file at u = 1 MiB/s and rescales time so that
// F/u is one hour (the model is scale-free but for the 20 ms latency).
//
//	go run ./examples/distribution -o distribution.png
//
// It prints one line per N and writes the PNG.
package main

import (
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"os"
	"time"

	"github.com/networkutopia/p2p/swarm"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

type config struct {
	out     string
	maxN    int
	fileMiB int
	seed    uint64
}

func main() {
	var cfg config
	flag.StringVar(&cfg.out, "o", "distribution.png", "PNG file to write")
	flag.IntVar(&cfg.maxN, "n", 35, "largest number of peers")
	flag.IntVar(&cfg.fileMiB, "f", 32, "simulated file size in MiB (time is rescaled to F/u = 1 hour)")
	flag.Uint64Var(&cfg.seed, "seed", 1, "simulation seed")
	flag.Parse()
	if err := run(cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "distribution:", err)
		os.Exit(1)
	}
}

// point is one N of the figure, in hours.
type point struct {
	n                         int
	clientServer, p2p, swarmH float64
}

func run(cfg config, w io.Writer) error {
	if cfg.maxN < 1 || cfg.fileMiB < 1 {
		return errors.New("-n and -f must be at least 1")
	}
	const mib = 1 << 20
	const u = mib
	f := int64(cfg.fileMiB) * mib
	scale := float64(time.Hour) / (float64(f) / u * float64(time.Second)) // to F/u = 1 h
	hours := func(d time.Duration) float64 { return float64(d) * scale / float64(time.Hour) }

	var pts []point
	fmt.Fprintln(w, "  N  client-server  P2P bound  swarm (hours, F/u = 1 h)")
	for n := 1; n <= cfg.maxN; n++ {
		s, err := swarm.NewSim(swarm.SimConfig{
			Seed: cfg.seed, Leechers: n, FileSize: f,
			PeerUpload: u, PeerDownload: 10 * u, SeedUpload: 10 * u,
		})
		if err != nil {
			return err
		}
		res, err := s.Run()
		if err != nil {
			return err
		}
		if res.Finished < n {
			return fmt.Errorf("only %d of %d peers finished", res.Finished, n)
		}
		p := point{
			n:            n,
			clientServer: hours(swarm.ClientServerTime(float64(f), 10*u, 10*u, n)),
			p2p:          hours(res.Bound),
			swarmH:       hours(res.Last),
		}
		pts = append(pts, p)
		fmt.Fprintf(w, "%3d  %13.2f  %9.2f  %5.2f\n", p.n, p.clientServer, p.p2p, p.swarmH)
	}
	return draw(pts, cfg.out)
}

func draw(pts []point, out string) error {
	p := plot.New()
	p.Title.Text = "File distribution time (F/u = 1 hour, u_s = 10u)"
	p.X.Label.Text = "N"
	p.Y.Label.Text = "Minimum distribution time (hours)"
	cs, bound, measured := make(plotter.XYs, len(pts)), make(plotter.XYs, len(pts)), make(plotter.XYs, len(pts))
	for i, pt := range pts {
		cs[i] = plotter.XY{X: float64(pt.n), Y: pt.clientServer}
		bound[i] = plotter.XY{X: float64(pt.n), Y: pt.p2p}
		measured[i] = plotter.XY{X: float64(pt.n), Y: pt.swarmH}
	}
	csLine, err := plotter.NewLine(cs)
	if err != nil {
		return err
	}
	csLine.Color = color.RGBA{R: 200, A: 255}
	csLine.Width = vg.Points(2)
	boundLine, err := plotter.NewLine(bound)
	if err != nil {
		return err
	}
	boundLine.Color = color.RGBA{B: 200, A: 255}
	boundLine.Width = vg.Points(2)
	dots, err := plotter.NewScatter(measured)
	if err != nil {
		return err
	}
	dots.Color = color.RGBA{G: 140, A: 255}
	p.Add(csLine, boundLine, dots, plotter.NewGrid())
	p.Legend.Add("client-server bound", csLine)
	p.Legend.Add("P2P bound", boundLine)
	p.Legend.Add("swarm, simulated", dots)
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Min = 0
	return p.Save(7*vg.Inch, 4.5*vg.Inch, out)
}
