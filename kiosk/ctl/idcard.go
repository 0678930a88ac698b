package ctl

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"bianmin/devices/idcard"
	"bianmin/devices/serialport"
	"bianmin/devices/sim"
)

// The ID-card reader's commands (SPEC §3):
//
//	idcard read --port P [--timeout D] [--baud B] [--flow F]
//	                     wait for a card (up to D, 10 s by default), read it and
//	                     print the card JSON with the full number: a technician's tool
//	idcard decode        decode one reader → host frame from stdin to JSON
func init() {
	commands["idcard"] = idcardCmd
	simDevices = append(simDevices, simDevice{name: "idcard", make: newSimIDCard})
}

func newSimIDCard(o simOptions) (sim.Device, error) {
	r := sim.NewIDCard()
	if o.baud > 0 {
		r.SetBaud(o.baud)
	}
	return r, nil
}

// decodeInput is where `idcard decode` reads its frame: Main has no stdin
// parameter, so tests set this instead.
var decodeInput io.Reader = os.Stdin

// idcardPoll is how often `idcard read` asks for a card while it waits.
const idcardPoll = 200 * time.Millisecond

func idcardCmd(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) == 0 {
		return usageErr("idcard needs read or decode")
	}
	fs := flag.NewFlagSet("idcard", flag.ContinueOnError)
	port := fs.String("port", "", "ID-card reader serial port")
	baud := fs.Int("baud", 115200, "baud rate")
	flowName := fs.String("flow", "none", "flow control: none, rtscts or xonxoff")
	timeout := fs.Duration("timeout", 10*time.Second, "read: how long to wait for a card and read it")
	dataFlag(fs)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("idcard %s takes no arguments", args[0])
	}
	switch args[0] {
	case "read":
		if *port == "" {
			return usageErr("idcard read needs --port P")
		}
		if *timeout <= 0 {
			return usageErr("idcard read: --timeout must be positive")
		}
		flow, err := serialport.ParseFlow(*flowName)
		if err != nil {
			return usageErr("%v", err)
		}
		if err := (serialport.Config{Name: *port, Baud: *baud, Flow: flow}).Validate(); err != nil {
			return usageErr("%v", err)
		}
		return idcardRead(ctx, idcard.Config{Port: *port, Baud: *baud, Flow: flow}, *timeout, stdout)
	case "decode":
		return idcardDecode(decodeInput, stdout)
	}
	return usageErr("unknown idcard command %q", args[0])
}

func idcardRead(ctx context.Context, cfg idcard.Config, timeout time.Duration, stdout io.Writer) error {
	d, err := idcard.Open(cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := d.WaitCard(ctx, idcardPoll); err != nil {
		if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
			return err
		}
		if st := d.State(); st != nil {
			return fmt.Errorf("idcard: no card read within %v: %w", timeout, st)
		}
		return fmt.Errorf("idcard: no card on the reader within %v", timeout)
	}
	c, err := d.Read(ctx)
	if err != nil {
		return err
	}
	return writeIDCardJSON(stdout, c)
}

// idcardMaxFrame bounds what decode reads: more than the largest frame is no frame.
const idcardMaxFrame = 7 + idcard.MaxLength

// idcardReplyJSON is a decoded reply other than a card.
type idcardReplyJSON struct {
	SW3    string `json:"sw3"`
	Status string `json:"status"`
	Data   string `json:"data"`
}

// idcardAddressJSON is a decoded additional-address reply.
type idcardAddressJSON struct {
	SW3               string `json:"sw3"`
	Status            string `json:"status"`
	AdditionalAddress string `json:"additional_address"`
}

// idcardDecode decodes one reader → host frame: a read reply (30 01 or 30 10)
// prints the card JSON, a 30 03 reply the additional address, any other
// success its status and data in hex. A bad frame or a failure status is an
// error.
func idcardDecode(in io.Reader, stdout io.Writer) error {
	b, err := io.ReadAll(io.LimitReader(in, idcardMaxFrame+1))
	switch {
	case err != nil:
		return fmt.Errorf("idcard: decode: %w", err)
	case len(b) == 0:
		return errors.New("idcard: decode: no frame on stdin")
	case len(b) > idcardMaxFrame:
		return fmt.Errorf("idcard: decode: more than %d bytes on stdin, longer than any frame", idcardMaxFrame)
	}
	r, err := idcard.ParseReply(b)
	if err != nil {
		return err
	}
	if err := r.Err(); err != nil {
		return err
	}
	sw3 := fmt.Sprintf("%02X", byte(r.Status))
	if _, _, _, err := idcard.ParseReadData(r.Data); err == nil {
		c, err := idcard.DecodeRead(r)
		if err != nil {
			return err
		}
		return writeIDCardJSON(stdout, c)
	}
	if r.Status == idcard.StatusOK && len(r.Data) == idcard.AddressSize {
		addr, err := idcard.DecodeAddress(r.Data)
		if err != nil {
			return err
		}
		return writeIDCardJSON(stdout, idcardAddressJSON{SW3: sw3, Status: r.Status.String(), AdditionalAddress: addr})
	}
	return writeIDCardJSON(stdout, idcardReplyJSON{SW3: sw3, Status: r.Status.String(), Data: hex.EncodeToString(r.Data)})
}

// writeIDCardJSON prints v as one line of JSON, Chinese as it is.
func writeIDCardJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
