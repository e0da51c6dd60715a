package main

import (
	"context"
	"errors"
	"io"
)

func demo(ctx context.Context, w io.Writer) error { return errors.New("todo") }

func serveResolver(ctx context.Context, listen, root, allow string) error { return errors.New("todo") }
