package tracker

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/networkutopia/p2p/swarm/metainfo"
)

// Announce sends req to the tracker at announceURL and returns its
// answer. A nil client means http.DefaultClient.
func Announce(ctx context.Context, client *http.Client, announceURL string, req AnnounceRequest) (*AnnounceResponse, error) {
	u, err := url.Parse(announceURL)
	if err != nil {
		return nil, fmt.Errorf("%w: announce URL: %v", ErrBadRequest, err)
	}
	q := u.Query()
	q.Set("info_hash", string(req.InfoHash[:]))
	q.Set("peer_id", string(req.PeerID[:]))
	q.Set("port", strconv.Itoa(int(req.Port)))
	q.Set("uploaded", strconv.FormatInt(req.Uploaded, 10))
	q.Set("downloaded", strconv.FormatInt(req.Downloaded, 10))
	q.Set("left", strconv.FormatInt(req.Left, 10))
	q.Set("compact", "1")
	if req.Event != Regular {
		q.Set("event", string(req.Event))
	}
	if req.NumWant > 0 {
		q.Set("numwant", strconv.Itoa(req.NumWant))
	}
	if req.IP.IsValid() {
		q.Set("ip", req.IP.String())
	}
	u.RawQuery = q.Encode()
	b, err := get(ctx, client, u.String())
	if err != nil {
		return nil, err
	}
	return ParseAnnounceResponse(b)
}

// Scrape asks the tracker for the counts of the given torrents. The scrape
// URL is derived from the announce URL as BEP 48 says: its last path
// element "announce" becomes "scrape".
func Scrape(ctx context.Context, client *http.Client, announceURL string, hashes ...metainfo.Hash) (map[metainfo.Hash]ScrapeStats, error) {
	u, err := url.Parse(announceURL)
	if err != nil {
		return nil, fmt.Errorf("%w: announce URL: %v", ErrBadRequest, err)
	}
	i := strings.LastIndex(u.Path, "/")
	if i < 0 || !strings.HasPrefix(u.Path[i+1:], "announce") {
		return nil, fmt.Errorf("%w: %s does not support scrape", ErrBadRequest, announceURL)
	}
	u.Path = u.Path[:i+1] + "scrape" + strings.TrimPrefix(u.Path[i+1:], "announce")
	q := u.Query()
	for _, h := range hashes {
		q.Add("info_hash", string(h[:]))
	}
	u.RawQuery = q.Encode()
	b, err := get(ctx, client, u.String())
	if err != nil {
		return nil, err
	}
	return ParseScrapeResponse(b)
}

func get(ctx context.Context, client *http.Client, u string) ([]byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("tracker: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: HTTP %s", ErrBadResponse, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("tracker: %w", err)
	}
	if len(b) > MaxResponseSize {
		return nil, fmt.Errorf("%w: response over %d bytes", ErrBadResponse, MaxResponseSize)
	}
	return b, nil
}
